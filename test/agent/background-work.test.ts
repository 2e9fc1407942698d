import { afterEach, describe, expect, it, vi } from "vitest";
import { agentModules } from "../../src/agent/agent-modules.js";
import { type RunningAgent, startAgent } from "../../src/agent/agent-runtime.js";
import { ManualClock } from "../../src/clock.js";
import { parseConfig } from "../../src/config/index.js";
import { SecretsManager } from "../../src/secrets/index.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { FAST_KDF, TEST_PASSWORD } from "../helpers/temp-home.js";
import { makeVaultHome, rawRequest } from "./agent-fixtures.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const running: RunningAgent[] = [];

afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
});

/** An agent serving only the secrets module, on a ManualClock, with api_key auto-rotating daily. */
async function agentWithWatcher(session: Record<string, unknown>, checkIntervalHours: number) {
  const config = parseConfig({
    vault: { kdf: FAST_KDF },
    session,
    secretsRotation: { checkIntervalHours },
    integration: { enableAuditLogging: false, enableAccountMonitoring: false },
  });
  const home = await makeVaultHome(config);
  const clock = new ManualClock(Date.now());
  const vault = new EncryptedVault({ home, config, clock, masterPassword: TEST_PASSWORD, env: {} });
  await new SecretsManager(vault, { config, clock }).registerSecret("api_key", {
    rotationDays: 1,
    autoRotate: true,
    rotator: "generate",
  });
  vault.close();
  const agent = await startAgent({
    home,
    config,
    clock,
    masterPassword: TEST_PASSWORD,
    modules: agentModules({ home, config }),
  });
  running.push(agent);
  return { agent, clock };
}

const realTick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("the agent's background work", () => {
  it("rotates a due secret with the rotation watcher while unlocked", async () => {
    const { agent, clock } = await agentWithWatcher(
      { idleTimeoutMinutes: 100_000, maxSessionHours: 10_000 },
      1,
    );
    const before = await rawRequest(agent.socketPath, "GET", "/v1/credentials/api_key");

    clock.set(clock.now() + 25 * HOUR);
    clock.advance(HOUR);

    await vi.waitFor(async () => {
      const history = await rawRequest(agent.socketPath, "GET", "/v1/credentials/api_key/history");
      expect((history.body.versions as unknown[]).length).toBe(3);
    });
    const after = await rawRequest(agent.socketPath, "GET", "/v1/credentials/api_key");
    expect(after.body.value).not.toBe(before.body.value);
  });

  it("does not keep the vault unlocked: the idle lock comes although the watcher runs", async () => {
    const { agent, clock } = await agentWithWatcher({ idleTimeoutMinutes: 30 }, 0.1);

    for (let minutes = 0; minutes < 36; minutes += 6) {
      clock.advance(6 * MINUTE);
      await realTick();
    }

    const status = await rawRequest(agent.socketPath, "GET", "/v1/session");
    expect(status.body).toMatchObject({ locked: true, lockReason: "idle" });
  });
});
