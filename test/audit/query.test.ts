import { describe, expect, it } from "vitest";
import { AuditLogger } from "../../src/audit/index.js";
import { parseConfig } from "../../src/config/index.js";
import { makeLogger, TEST_SEAL_KEY } from "./trail-fixtures.js";

async function seeded() {
  const made = makeLogger();
  const { logger, clock } = made;
  const at = (iso: string) => clock.set(Date.parse(iso));
  at("2026-03-01T00:00:00.000Z");
  await logger.logLogin("alice", { success: true });
  at("2026-03-01T12:00:00.000Z");
  await logger.logLogin("bob", { success: false });
  at("2026-03-01T23:59:59.999Z");
  await logger.logApiCall("openai", "/v1/chat", {
    method: "POST",
    statusCode: 429,
    username: "alice",
  });
  at("2026-03-02T00:00:00.000Z");
  await logger.logSuspiciousActivity("Burst_Applications", { count: 50 }, "critical");
  at("2026-03-02T08:00:00.000Z");
  await logger.logCredentialAccess("linkedin_password", { username: "alice" });
  await logger.close();
  return made;
}

describe("queries", () => {
  it.each([
    [{ eventType: "login" }, ["alice", "bob"]],
    [{ severity: "high" }, ["bob"]],
    [{ minSeverity: "medium" }, ["alice", "bob", "alice", "root"]],
    [{ minSeverity: "critical" }, ["root"]],
    [{ username: "alice" }, ["alice", "alice", "alice"]],
    [{ text: "burst_app" }, ["root"]],
    [{ text: "429" }, ["alice"]],
    [
      { from: "2026-03-01T12:00:00.000Z", to: "2026-03-02T00:00:00.000Z" },
      ["bob", "alice", "root"],
    ],
    [{ from: new Date("2026-03-02T00:00:00.001Z") }, ["alice"]],
    [{ to: "2026-03-01" }, ["alice", "bob", "alice"]],
    [{ limit: 2 }, ["alice", "bob"]],
    [{ eventType: "login", username: "nobody" }, []],
  ] as const)("getEvents(%o) returns the matching events oldest first", async (query, users) => {
    const { home } = await seeded();
    const reader = new AuditLogger({
      home,
      config: parseConfig({}),
      keys: { sealKey: TEST_SEAL_KEY },
      username: "root",
    });
    const events = await reader.getEvents(query);
    expect(events.map((event) => event.username)).toEqual(
      users.map((user) => (user === "root" ? expect.any(String) : user)),
    );
  });

  it("getEventsByDate takes the whole UTC day; 23:59:59.999 belongs to its day", async () => {
    const { logger } = await seeded();
    const first = await logger.getEventsByDate("2026-03-01");
    expect(first.map((event) => event.timestamp)).toEqual([
      "2026-03-01T00:00:00.000Z",
      "2026-03-01T12:00:00.000Z",
      "2026-03-01T23:59:59.999Z",
    ]);
    const second = await logger.getEventsByDate("2026-03-02");
    expect(second.map((event) => event.timestamp)).toEqual([
      "2026-03-02T00:00:00.000Z",
      "2026-03-02T08:00:00.000Z",
    ]);
    await expect(logger.getEventsByDate("03/01/2026")).rejects.toThrow(/YYYY-MM-DD/);
  });

  it("getEventsByUser reads what another logger wrote, after a restart", async () => {
    const { home } = await seeded();
    const restarted = new AuditLogger({
      home,
      config: parseConfig({}),
      keys: { sealKey: TEST_SEAL_KEY },
    });
    expect((await restarted.getEventsByUser("alice")).map((event) => event.event_type)).toEqual([
      "login",
      "api_call",
      "credential_access",
    ]);
  });

  it("compares dates as times, not strings (offsets are honoured)", async () => {
    const { logger } = await seeded();
    const events = await logger.getEvents({
      from: "2026-03-01T13:00:00+01:00",
      to: "2026-03-01T13:00:00+01:00",
    });
    expect(events.map((event) => event.username)).toEqual(["bob"]);
  });

  it.each([
    [{ eventType: "hacking" }, /unknown audit event type/],
    [{ severity: "urgent" }, /unknown audit severity/],
    [{ minSeverity: "extreme" }, /unknown audit severity/],
    [{ from: "yesterday" }, /not a date/],
  ])("rejects %o with E_INVALID_ARGUMENT", async (query, message) => {
    const { logger } = await seeded();
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
    await expect(logger.getEvents(query as any)).rejects.toMatchObject({
      code: "E_INVALID_ARGUMENT",
      message: expect.stringMatching(message),
    });
  });

  it("streams large ranges without collecting them", async () => {
    const { logger } = makeLogger();
    await Promise.all(Array.from({ length: 3000 }, (_, i) => logger.logApiCall("x", `/item/${i}`)));
    let count = 0;
    for await (const event of logger.streamEvents({ eventType: "api_call" })) {
      if (count === 0) expect(event.details.endpoint).toBe("/item/0");
      count += 1;
    }
    expect(count).toBe(3000);
    await logger.close();
  });
});
