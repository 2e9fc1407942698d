import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CSV_COLUMNS,
  csvField,
  escapeCefExtension,
  escapeCefHeader,
} from "../../src/audit/index.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { makeLogger } from "./trail-fixtures.js";

/** ECS 8.x field names used by the export, as listed in the ECS field reference. */
const ECS_FIELDS = new Set([
  "@timestamp",
  "message",
  "ecs.version",
  "event.kind",
  "event.category",
  "event.type",
  "event.outcome",
  "event.action",
  "event.severity",
  "event.sequence",
  "event.hash",
  "event.dataset",
  "event.module",
  "log.level",
  "user.name",
  "source.ip",
  "http.request.method",
  "http.response.status_code",
  "url.path",
]);
const ECS_CATEGORIES = new Set([
  "api",
  "authentication",
  "configuration",
  "iam",
  "intrusion_detection",
  "process",
  "session",
]);
const ECS_TYPES = new Set(["access", "change", "denied", "end", "info", "start", "user"]);

function leafPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) =>
    leafPaths(inner, prefix === "" ? key : `${prefix}.${key}`),
  );
}

async function trail() {
  const made = makeLogger();
  const { logger, clock } = made;
  await logger.logLogin("alice", { success: false, ip: "203.0.113.9" });
  clock.advance(1000);
  await logger.logApiCall("openai", "/v1/chat", {
    method: "POST",
    statusCode: 502,
    username: "bot",
  });
  clock.advance(1000);
  await logger.log({
    eventType: "policy_violation",
    severity: "critical",
    username: "=cmd|' /C calc'!A0",
    description: 'pipe | back\\slash "quoted", equals = and\nnew line',
    details: { note: "a=b\\c\r\nd" },
  });
  clock.advance(1000);
  await logger.logCredentialRotate("openai_api_key");
  await logger.close();
  return made;
}

describe("exportLogs", () => {
  it("writes json as an array of the stored records, 0600", async () => {
    const { logger } = await trail();
    const path = join(makeTempDir(), "audit.json");
    expect(await logger.exportLogs(path)).toBe(4);
    const events = JSON.parse(readFileSync(path, "utf8"));
    expect(events).toHaveLength(4);
    expect(events[0]).toMatchObject({
      event_type: "login",
      severity: "high",
      username: "alice",
      details: { success: false, ip: "203.0.113.9" },
    });
    expect(events[0]).toHaveProperty("hash");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("writes jsonl with one stored record per line, filtered by from and to", async () => {
    const { logger } = await trail();
    const path = join(makeTempDir(), "audit.jsonl");
    await logger.exportLogs(path, {
      format: "jsonl",
      from: "2026-03-01T10:00:01.000Z",
      to: "2026-03-01T10:00:02.000Z",
    });
    const lines = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.event_type)).toEqual(["api_call", "policy_violation"]);
  });

  it("writes csv with a header, RFC 4180 quoting and formula neutralising", async () => {
    const { logger } = await trail();
    const path = join(makeTempDir(), "audit.csv");
    await logger.exportLogs(path, { format: "csv" });
    const text = readFileSync(path, "utf8");
    expect(text.split("\r\n")[0]).toBe(CSV_COLUMNS.join(","));
    expect(text).toContain(",'=cmd|' /C calc'!A0,");
    expect(text).toContain('"pipe | back\\slash ""quoted"", equals = and\nnew line"');
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("a,b")).toBe('"a,b"');
  });

  it("writes ecs documents whose fields are all ECS 8.x names (vigil.* aside)", async () => {
    const { logger } = await trail();
    const path = join(makeTempDir(), "audit.ecs.jsonl");
    await logger.exportLogs(path, { format: "ecs" });
    const docs = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    for (const doc of docs) {
      const paths = leafPaths(doc).filter((path) => !path.startsWith("vigil."));
      for (const path of paths) expect(ECS_FIELDS, path).toContain(path);
      for (const category of doc.event.category) expect(ECS_CATEGORIES).toContain(category);
      for (const type of doc.event.type) expect(ECS_TYPES).toContain(type);
      expect(doc.ecs.version).toMatch(/^8\./);
      expect(["event", "alert"]).toContain(doc.event.kind);
    }
    const [login, api, violation, rotate] = docs;
    expect(login).toMatchObject({
      "@timestamp": "2026-03-01T10:00:00.000Z",
      event: {
        kind: "event",
        category: ["authentication"],
        type: ["start"],
        outcome: "failure",
        action: "login",
        severity: 73,
        sequence: 2,
      },
      user: { name: "alice" },
      source: { ip: "203.0.113.9" },
    });
    expect(login.event.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(api).toMatchObject({
      http: { request: { method: "POST" }, response: { status_code: 502 } },
      url: { path: "/v1/chat" },
      event: { outcome: "failure", severity: 47 },
    });
    expect(violation).toMatchObject({
      event: { kind: "alert", category: ["intrusion_detection"], type: ["denied"], severity: 99 },
    });
    expect(rotate).toMatchObject({
      event: { category: ["configuration"], type: ["change"], severity: 47 },
    });
  });

  it("writes cef lines with escaped header and extension and mapped severities", async () => {
    const { logger } = await trail();
    const path = join(makeTempDir(), "audit.cef");
    await logger.exportLogs(path, { format: "cef" });
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^CEF:0\|vigil\|vigil\|0\.1\.0\|login\|login failed for alice\|8\|rt=\d+ suser=alice act=login outcome=failure /,
    );
    expect(lines[0]).toContain("src=203.0.113.9");
    expect(lines[1]).toMatch(/\|api_call\|POST openai \/v1\/chat -> 502\|5\|/);
    expect(lines[1]).toContain("requestMethod=POST request=/v1/chat cn1Label=httpStatus cn1=502");
    const violation = lines[2] as string;
    expect(violation).toContain(
      '|policy_violation|pipe \\| back\\\\slash "quoted", equals = and new line|10|',
    );
    expect(violation).toContain('msg=pipe | back\\\\slash "quoted", equals \\= and\\nnew line');
    expect(violation).toContain("suser=\\=cmd|' /C calc'!A0");
    expect(lines[3]).toMatch(/\|credential_rotate\|.*\|5\|/);
    expect(escapeCefHeader("a|b\\c\nd")).toBe("a\\|b\\\\c d");
    expect(escapeCefExtension("a=b\\c\r\nd\re")).toBe("a\\=b\\\\c\\nd\\re");
  });

  it("refuses an unknown format and leaves no file", async () => {
    const { logger } = await trail();
    const dir = makeTempDir();
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
    await expect(logger.exportLogs(join(dir, "x"), { format: "xml" as any })).rejects.toMatchObject(
      { code: "E_INVALID_ARGUMENT" },
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
