import { request } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAgent } from "../../src/agent/agent-runtime.js";
import { ERROR_CODES } from "../../src/errors.js";
import { startTestAgent } from "../agent/agent-fixtures.js";
import { scaled } from "../helpers/stress-scale.js";
import { TEST_PASSWORD } from "../helpers/temp-home.js";

/** A raw answer: status, headers and the body as text (parsed by the test, not here). */
interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly text: string;
}

function send(
  socketPath: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"],
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/*
 * Every route the agent serves, with names to fill in. `POST /v1/agent/stop` is left out: it is
 * the one request whose success ends the server under test.
 */
const ROUTES = [
  "/v1/health",
  "/v1/session",
  "/v1/session/lock",
  "/v1/session/unlock",
  "/v1/session/reauth",
  "/v1/credentials",
  "/v1/credentials/{name}",
  "/v1/credentials/{name}/exists",
  "/v1/credentials/{name}/history",
  "/v1/credentials/{name}/rollback",
  "/v1/vault/export",
  "/v1/vault/password",
  "/v1/audit/events",
  "/v1/monitor/events",
  "/v1/monitor/anomalies",
  "/v1/monitor/health",
  "/v1/monitor/pace",
  "/v1/monitor/summary",
  "/v1/secrets/due",
  "/v1/secrets/status",
];

const NAMES = [
  "api_key",
  "github%2Ftoken",
  "missing",
  "%ZZ",
  "..%2F..",
  "a".repeat(500),
  "%00",
  "",
];
const QUERIES = [
  "",
  "?",
  "?limit=-1",
  "?limit=abc",
  "?hours=0",
  "?from=2026-99-99",
  "?a=1&a=2",
  "?%ZZ",
];

const pathArb = fc.oneof(
  fc
    .tuple(fc.constantFrom(...ROUTES), fc.constantFrom(...NAMES), fc.constantFrom(...QUERIES))
    .map(([route, name, query]) => route.replace("{name}", name) + query),
  fc.constantFrom("/", "//v1//health", "/v1", "/v2/health", "/v1/health/", "/V1/HEALTH", "*"),
  fc.webPath().map((path) => (path.startsWith("/") ? path : `/${path}`)),
);

const headerArb = fc.dictionary(
  fc.constantFrom(
    "content-type",
    "x-vigil-reauth",
    "x-vigil-reauth-token",
    "accept",
    "x-forwarded-for",
    "authorization",
  ),
  fc.oneof(
    fc.constantFrom(
      "application/json",
      "text/plain",
      "application/json; charset=latin1",
      "bm90LXRoZS1wYXNzd29yZA==",
      "!!!not base64",
      "",
    ),
    fc.string({ maxLength: 40 }).filter((text) => /^[\x20-\x7e]*$/.test(text)),
  ),
  { maxKeys: 3 },
);

const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc
    .record({
      value: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      password: fc.string({ maxLength: 20 }),
      name: fc.constantFrom(...NAMES),
      version: fc.oneof(fc.integer(), fc.string()),
      type: fc.string({ maxLength: 12 }),
    })
    .map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom("{", "[1,", '{"__proto__":{"x":1}}', "null", "\u0000", "{}".repeat(1000)),
);

const methodArb = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND");

describe("the agent's HTTP API under hostile requests", () => {
  let agent: RunningAgent;
  const codes = new Set<string>(ERROR_CODES);

  beforeAll(async () => {
    ({ agent } = await startTestAgent());
  });
  afterAll(async () => {
    await agent.stop();
  });

  it(
    "answers every request with JSON (a result or a coded error) and keeps serving",
    async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          methodArb,
          pathArb,
          headerArb,
          bodyArb,
          fc.nat(9),
          async (method, path, headers, body, dice) => {
            // Unlock now and then, so that requests also reach the routes behind the lock.
            if (dice === 0) {
              const unlock = await send(
                agent.socketPath,
                "POST",
                "/v1/session/unlock",
                { "content-type": "application/json" },
                JSON.stringify({ password: TEST_PASSWORD }),
              );
              expect(unlock.status).toBe(200);
            }
            const label = `${method} ${path} ${JSON.stringify(headers)} ${String(body).slice(0, 80)}`;
            const answer = await send(agent.socketPath, method, path, headers, body);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);

            expect(answer.status, label).toBeGreaterThanOrEqual(200);
            expect(answer.status, `${label}: ${answer.text}`).toBeLessThan(500);
            expect(answer.contentType, label).toMatch(/^application\/json/);
            const parsed = JSON.parse(answer.text) as { error?: { code?: unknown } } | null;
            expect(typeof parsed, label).toBe("object");
            if (answer.status >= 400) {
              expect(codes.has(String(parsed?.error?.code)), `${label}: ${answer.text}`).toBe(true);
              expect(answer.text, label).not.toMatch(/ {4}at |node:internal/);
            }
          },
        ),
        { numRuns: scaled(300, 3_000) },
      );

      const health = await send(agent.socketPath, "GET", "/v1/health", {}, undefined);
      expect(health.status).toBe(200);
      expect(JSON.parse(health.text)).toMatchObject({ status: "ok" });
      expect(statuses.size).toBeGreaterThan(2);
    },
    scaled(60_000, 600_000),
  );
});
