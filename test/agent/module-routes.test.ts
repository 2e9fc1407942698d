import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { agentModules } from "../../src/agent/agent-modules.js";
import { type RunningAgent, startAgent } from "../../src/agent/agent-runtime.js";
import { SecretsManager } from "../../src/secrets/index.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { TEST_PASSWORD } from "../helpers/temp-home.js";
import { agentConfig, makeVaultHome, rawRequest } from "./agent-fixtures.js";

const running: RunningAgent[] = [];

afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
});

/** An agent with every module, on a vault whose api_key has a 30-day rotation policy. */
async function fullAgent() {
  const config = agentConfig();
  const home = await makeVaultHome(config);
  const vault = new EncryptedVault({ home, config, masterPassword: TEST_PASSWORD, env: {} });
  await new SecretsManager(vault, { config }).registerSecret("api_key", { rotationDays: 30 });
  vault.close();
  const agent = await startAgent({
    home,
    config,
    masterPassword: TEST_PASSWORD,
    modules: agentModules({ home, config }),
  });
  running.push(agent);
  const call = (method: string, path: string, body?: unknown) =>
    rawRequest(
      agent.socketPath,
      method,
      path,
      body === undefined ? {} : { body: JSON.stringify(body) },
    );
  return { agent, home, call };
}

function trailText(home: string): string {
  const dir = join(home, "audit");
  return readdirSync(dir)
    .filter((file) => file.endsWith(".jsonl"))
    .map((file) => readFileSync(join(dir, file), "utf8"))
    .join("");
}

describe("the agent's optional modules", () => {
  it("lists audit, monitor and secrets in /v1/health", async () => {
    const { call } = await fullAgent();

    const health = await call("GET", "/v1/health");

    expect(health.body.modules).toEqual(["audit", "monitor", "secrets"]);
  });

  it.each([
    { type: "login", username: "jane", success: true, ip: "203.0.113.7" },
    { type: "logout", username: "jane" },
    { type: "application", company: "Company0", jobTitle: "Engineer" },
    { type: "error", errorType: "timeout", message: "page did not load" },
    { type: "api", api: "openai", statusCode: 429, endpoint: "/v1/chat?key=abc" },
    { type: "notice", text: "We noticed you're applying at a fast pace" },
  ])("records a $type event", async (event) => {
    const { call } = await fullAgent();

    const answer = await call("POST", "/v1/monitor/events", event);

    expect(answer.status).toBe(200);
    expect(answer.body.recorded).toMatchObject({ type: expect.any(String) });
  });

  it.each([
    [{ type: "teleport" }],
    [{ type: "login", username: "jane" }],
    [{ type: "api", api: "x", statusCode: 99 }],
    [{ type: "login", username: "jane", success: true, ip: "not-an-ip" }],
  ])("refuses the monitor event %j with a coded 400", async (event) => {
    const { call } = await fullAgent();

    const answer = await call("POST", "/v1/monitor/events", event);

    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe("E_INVALID_ARGUMENT");
  });

  it("answers pace, health, summary and anomalies", async () => {
    const { call } = await fullAgent();
    await call("POST", "/v1/monitor/events", { type: "application", company: "A", jobTitle: "B" });

    const pace = await call("GET", "/v1/monitor/pace");
    const health = await call("GET", "/v1/monitor/health");
    const summary = await call("GET", "/v1/monitor/summary?hours=2");
    const anomalies = await call("GET", "/v1/monitor/anomalies");
    const badHours = await call("GET", "/v1/monitor/summary?hours=zero");

    expect(pace.body).toMatchObject({ allow: expect.any(Boolean), waitMs: expect.any(Number) });
    expect(health.body).toMatchObject({
      healthScore: expect.any(Number),
      status: expect.any(String),
    });
    expect(summary.body).toMatchObject({ hours: 2, applications: { count: 1 } });
    expect(anomalies.body.anomalies).toEqual(expect.any(Array));
    expect(badHours.body.error?.code).toBe("E_INVALID_ARGUMENT");
  });

  it("writes audit events to the trail, and the vault's reads too, without values", async () => {
    const { home, call, agent } = await fullAgent();

    const logged = await call("POST", "/v1/audit/events", {
      eventType: "api_call",
      description: "bot called the job board",
      details: { endpoint: "/jobs" },
    });
    await call("GET", "/v1/credentials/api_key");
    const bad = await call("POST", "/v1/audit/events", { eventType: "nope", description: "x" });
    await agent.stop();

    expect(logged.body.event).toMatchObject({ event_type: "api_call", severity: "low" });
    expect(bad.body.error?.code).toBe("E_INVALID_ARGUMENT");
    const trail = trailText(home);
    expect(trail).toContain("bot called the job board");
    expect(trail).toContain('"event_type":"credential_access"');
    expect(trail).toContain('"event_type":"logout"');
    expect(trail).not.toContain("second-value");
    expect(trail).not.toContain(TEST_PASSWORD);
  });

  it("raises an anomaly alert that reaches the audit trail", async () => {
    const { home, call, agent } = await fullAgent();

    for (let attempt = 0; attempt < 4; attempt += 1) {
      await call("POST", "/v1/monitor/events", { type: "login", username: "jane", success: false });
    }
    const anomalies = await call("GET", "/v1/monitor/anomalies");
    const health = await call("GET", "/v1/monitor/health");
    await agent.stop();

    const types = (anomalies.body.anomalies as { type: string }[]).map((anomaly) => anomaly.type);
    expect(types).toContain("failed_logins");
    expect(health.body.status).not.toBe("healthy");
    expect(trailText(home)).toContain('"event_type":"suspicious_activity"');
  });

  it("reports rotation status and due rotations, and locks them with the vault", async () => {
    const { call } = await fullAgent();

    const status = await call("GET", "/v1/secrets/status");
    const one = await call("GET", "/v1/secrets/status?name=api_key");
    const due = await call("GET", "/v1/secrets/due?includeSoon=true");
    await call("POST", "/v1/session/lock");
    const locked = await call("GET", "/v1/secrets/due");
    const monitorWhileLocked = await call("GET", "/v1/monitor/pace");

    expect(status.body.secrets).toMatchObject({ api_key: { enabled: true, rotationDays: 30 } });
    expect(Object.keys(one.body.secrets as object)).toEqual(["api_key"]);
    expect(due.body.due).toEqual([]);
    expect(locked.body.error?.code).toBe("E_LOCKED");
    expect(monitorWhileLocked.status).toBe(200);
  });
});
