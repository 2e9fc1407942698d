import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLogger, listDayFiles } from "../../src/audit/index.js";
import { parseConfig } from "../../src/config/index.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { FAST_KDF, makeTempDir, TEST_PASSWORD } from "../helpers/temp-home.js";
import { makeLogger } from "./trail-fixtures.js";

const originalHome = process.env.VIGIL_HOME;
afterEach(() => {
  if (originalHome === undefined) delete process.env.VIGIL_HOME;
  else process.env.VIGIL_HOME = originalHome;
});

describe("AuditLogger", () => {
  it("passes the design document's Test 3 with a bare new AuditLogger()", async () => {
    process.env.VIGIL_HOME = makeTempDir("vigil-test3-");
    const logger = new AuditLogger();

    await logger.logLogin("test_user", { success: true, ip: "127.0.0.1" });
    await logger.logCredentialAccess("api_key", { action: "get" });
    const events = await logger.getEvents({ eventType: "login" });

    expect(events.length).toBeGreaterThan(0);
    expect(events[0]?.username).toBe("test_user");
    const report = await logger.verify();
    expect(report.intact).toBe(true);
    expect(report.keyChecked).toBe(false);
    expect(report.warnings.join(" ")).toMatch(/unkeyed/);
    await logger.close();
  });

  it.each([
    ["login success", (l: AuditLogger) => l.logLogin("u", { success: true }), "login", "medium"],
    ["login failure", (l: AuditLogger) => l.logLogin("u", { success: false }), "login", "high"],
    ["logout", (l: AuditLogger) => l.logLogout("u"), "logout", "low"],
    [
      "credential access",
      (l: AuditLogger) => l.logCredentialAccess("k"),
      "credential_access",
      "low",
    ],
    [
      "credential modify",
      (l: AuditLogger) => l.logCredentialModify("k"),
      "credential_modify",
      "high",
    ],
    [
      "credential rotate",
      (l: AuditLogger) => l.logCredentialRotate("k"),
      "credential_rotate",
      "medium",
    ],
    [
      "api call 200",
      (l: AuditLogger) => l.logApiCall("openai", "/v1", { statusCode: 200 }),
      "api_call",
      "low",
    ],
    [
      "api call 399",
      (l: AuditLogger) => l.logApiCall("openai", "/v1", { statusCode: 399 }),
      "api_call",
      "low",
    ],
    [
      "api call 400",
      (l: AuditLogger) => l.logApiCall("openai", "/v1", { statusCode: 400 }),
      "api_call",
      "medium",
    ],
    [
      "api call 503",
      (l: AuditLogger) => l.logApiCall("openai", "/v1", { statusCode: 503 }),
      "api_call",
      "medium",
    ],
    [
      "error",
      (l: AuditLogger) => l.logError("selenium_error", "boom", { job_id: 7 }),
      "error",
      "high",
    ],
    [
      "suspicious",
      (l: AuditLogger) => l.logSuspiciousActivity("burst", { count: 50 }),
      "suspicious_activity",
      "high",
    ],
    [
      "suspicious critical",
      (l: AuditLogger) => l.logSuspiciousActivity("burst", {}, "critical"),
      "suspicious_activity",
      "critical",
    ],
    [
      "account change",
      (l: AuditLogger) => l.logAccountChange("u", "email updated"),
      "account_change",
      "medium",
    ],
    [
      "policy violation",
      (l: AuditLogger) => l.logPolicyViolation("daily_limit"),
      "policy_violation",
      "high",
    ],
  ] as const)("writes %s with its default severity", async (_name, write, type, severity) => {
    const { logger } = makeLogger();
    const record = await write(logger);
    expect(record.event_type).toBe(type);
    expect(record.severity).toBe(severity);
    const [stored] = await logger.getEvents({ eventType: type });
    expect(stored).toMatchObject({
      event_type: type,
      severity,
      seq: record.seq,
      hash: record.hash,
    });
    expect(stored?.timestamp).toBe("2026-03-01T10:00:00.000Z");
    await logger.close();
  });

  it("writes general events with log() and the fields the design names", async () => {
    const { logger, dir } = makeLogger({ username: "bot" });
    await logger.log({
      eventType: "account_change",
      description: "plan upgraded",
      details: { plan: "pro" },
    });
    await logger.close();
    const line = JSON.parse(
      readFileSync(join(dir, "2026-03-01.jsonl"), "utf8").split("\n")[1] ?? "",
    );
    expect(Object.keys(line)).toEqual([
      "timestamp",
      "event_type",
      "severity",
      "username",
      "description",
      "details",
      "seq",
      "writer",
      "prev",
      "hash",
      "mac",
    ]);
    expect(line).toMatchObject({ username: "bot", severity: "medium", details: { plan: "pro" } });
  });

  it.each([
    [{ eventType: "hacking", description: "x" }, /unknown audit event type "hacking"/],
    [
      { eventType: "login", severity: "urgent", description: "x" },
      /unknown audit severity "urgent"/,
    ],
  ])("rejects an unknown type or severity with E_INVALID_ARGUMENT: %o", async (event, message) => {
    const { logger, dir } = makeLogger();
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
    await expect(logger.log(event as any)).rejects.toMatchObject({
      code: "E_INVALID_ARGUMENT",
      message: expect.stringMatching(message),
    });
    await logger.close();
    expect(listDayFiles(dir)).toEqual([]);
  });

  it("redacts configured keys at any depth and registered secret values, as fingerprints", async () => {
    const { logger, dir } = makeLogger();
    logger.registerSecretValue("sk-live-123456");
    await logger.log({
      eventType: "api_call",
      description: "called",
      details: {
        Authorization: "Bearer abc",
        nested: { accessToken: "t0k", list: [{ "X-Api-Key": "k1" }] },
        echoed: "sk-live-123456",
        harmless: "sk-live-1234567",
        credential: "openai_api_key",
      },
    });
    await logger.close();
    const text = readFileSync(join(dir, "2026-03-01.jsonl"), "utf8");
    for (const secret of ["Bearer abc", "t0k", "k1", 'sk-live-123456"'])
      expect(text).not.toContain(secret);
    const [event] = await new AuditLogger({
      home: join(dir, ".."),
      config: parseConfig({}),
      keys: { sealKey: Buffer.alloc(32, 7) },
    }).getEvents();
    const details = event?.details as {
      Authorization: string;
      nested: { accessToken: string; list: Record<string, string>[] };
      echoed: string;
      harmless: string;
      credential: string;
    };
    expect(details.Authorization).toBe(await logger.hash("Bearer abc"));
    expect(details.nested.accessToken).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(details.nested.list[0]?.["X-Api-Key"]).toBe(await logger.hash("k1"));
    expect(details.echoed).toBe(await logger.hash("sk-live-123456"));
    expect(details.harmless).toBe("sk-live-1234567");
    expect(details.credential).toBe("openai_api_key");
  });

  it("is an AuditSink for the vault and takes its seal key from the vault", async () => {
    const home = makeTempDir();
    const config = parseConfig({ vault: { kdf: FAST_KDF } });
    const keySource = new EncryptedVault({
      home,
      config,
      masterPassword: TEST_PASSWORD,
      create: true,
    });
    await keySource.unlock();
    const logger = new AuditLogger({ home, config, keys: keySource });
    const vault = new EncryptedVault({
      home,
      config,
      masterPassword: TEST_PASSWORD,
      audit: logger,
    });
    await vault.setCredential("openai_api_key", "sk-abc-123");
    await vault.getCredential("openai_api_key");

    const events = await logger.getEvents();
    expect(events.map((event) => event.event_type)).toEqual([
      "credential_modify",
      "credential_access",
    ]);
    expect(JSON.stringify(events)).not.toContain("sk-abc-123");
    expect(events.every((event) => event.mac !== null)).toBe(true);
    await logger.close();
    expect((await logger.verify()).intact).toBe(true);
    expect((await new AuditLogger({ home, config }).verify()).warnings.join(" ")).toMatch(
      /not checked/,
    );
    await expect(new AuditLogger({ home, config }).logLogout("u")).rejects.toMatchObject({
      code: "E_AUDIT",
    });
    vault.close();
    keySource.close();
  });

  it("writes files 0600 in a 0700 folder and one file per UTC day", async () => {
    const { logger, clock, dir } = makeLogger();
    clock.set(Date.parse("2026-03-01T23:59:59.999Z"));
    await logger.logLogout("a");
    clock.set(Date.parse("2026-03-02T00:00:00.000Z"));
    await logger.logLogout("b");
    await logger.close();
    expect(listDayFiles(dir)).toEqual(["2026-03-01.jsonl", "2026-03-02.jsonl"]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "2026-03-01.jsonl")).mode & 0o777).toBe(0o600);
  });

  it("seals at day end, every sealIntervalMinutes and on close", async () => {
    const { logger, clock, dir } = makeLogger({
      configInput: { auditLogging: { sealIntervalMinutes: 15 } },
    });
    await logger.logLogout("a");
    clock.advance(15 * 60_000);
    await logger.flush();
    await logger.logLogout("b");
    clock.advance(24 * 60 * 60_000);
    await logger.flush();
    await logger.logLogout("c");
    await logger.close();
    const reasons = listDayFiles(dir).flatMap((file) =>
      readFileSync(join(dir, file), "utf8")
        .split("\n")
        .filter((line) => line.includes('"record":"seal"'))
        .map((line) => JSON.parse(line).reason),
    );
    expect(reasons).toEqual(expect.arrayContaining(["interval", "day_end", "close"]));
    expect((await logger.verify()).intact).toBe(true);
  });

  it("in fsync mode writes each event before resolving, and close() refuses later events", async () => {
    const { logger, dir } = makeLogger({ durability: "fsync" });
    await logger.logLogout("a");
    expect(readFileSync(join(dir, "2026-03-01.jsonl"), "utf8")).toContain('"username":"a"');
    await logger.close();
    await expect(logger.logLogout("b")).rejects.toMatchObject({ code: "E_AUDIT" });
  });

  it("cuts a torn last line left by a crashed writer and keeps the chain intact", async () => {
    const { logger, home, clock } = makeLogger();
    await logger.logLogout("a");
    await logger.flush();
    const dir = join(home, "audit");
    const { appendFileSync } = await import("node:fs");
    appendFileSync(
      join(dir, "2026-03-01.jsonl"),
      '{"timestamp":"2026-03-01T10:00:00.000Z","event_ty',
    );
    const next = makeLogger({ home, clock }).logger;
    await next.logLogout("b");
    await next.close();
    expect((await next.verify()).intact).toBe(true);
    expect((await next.getEvents()).map((event) => event.username)).toEqual(["a", "b"]);
  });
});
