import { describe, expect, it } from "vitest";
import { SecretsManager } from "../../src/secrets/index.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { TEST_PASSWORD } from "../helpers/temp-home.js";
import { DAY_MS, secretsConfig, setup, writeScript } from "./secrets-fixtures.js";

describe("state lives in the vault", () => {
  it("is seen by a new vault handle and manager after the first is closed", async () => {
    const { manager, vault, home, config, clock } = setup();
    await manager.registerSecret("api", { rotationDays: 45, rotator: "generate" });
    await manager.rotateSecret("api");
    vault.close();

    const reopened = new EncryptedVault({
      home,
      masterPassword: TEST_PASSWORD,
      config,
      clock,
      env: {},
    });
    const fresh = new SecretsManager(reopened, { config, clock });
    const status = await fresh.getRotationStatus("api");
    expect(status).toMatchObject({ rotationDays: 45, rotator: "generate", rotationCount: 1 });
    expect((await fresh.getRotationHistory("api")).map((e) => e.action)).toEqual([
      "register",
      "rotate",
    ]);
    await fresh.rotateSecret("api");
    expect((await fresh.getRotationStatus("api")).rotationCount).toBe(2);
  });

  it("lets a claim left by a crashed rotation lapse, then rotates", async () => {
    const { manager, vault, clock, second } = setup({ manager: { commandTimeoutMs: 1000 } });
    await vault.setCredential("api", "v1");
    // A rotator that never settles stands for a process that died mid-rotation.
    await manager.registerSecret("api", { rotationDays: 30, rotator: () => new Promise(() => {}) });
    void manager.rotateSecret("api");
    const other = second({ commandTimeoutMs: 1000 }).manager;
    await waitFor(async () => (await other.getRotationStatus("api")).rotating);
    await expect(other.rotateSecret("api", "v2")).rejects.toMatchObject({
      code: "E_ROTATION_IN_PROGRESS",
    });

    clock.advance(1000 + 1000 + 60_000 + 1);
    await expect(other.rotateSecret("api", "v2")).resolves.toMatchObject({ version: 2 });
    expect(await vault.getCredential("api")).toBe("v2");
  });

  it("uses a command rotator and verify command given in the config file", async () => {
    const rotator = writeScript("cat > /dev/null; echo from-config-rotator");
    const verifier = writeScript('test "$(cat)" = from-config-rotator', "verify.sh");
    const { manager, vault, clock } = setup({
      secretsRotation: {
        secrets: {
          bot_token: {
            rotationDays: 10,
            autoRotate: true,
            rotator: "command",
            command: `${rotator} --quiet`,
            verifyCommand: verifier,
          },
        },
      },
    });
    await vault.setCredential("bot_token", "old");
    expect(await manager.checkDueRotations()).toEqual([]);
    clock.advance(10 * DAY_MS);
    expect(await manager.dueRotations()).toMatchObject([
      { name: "bot_token", source: "config", needsHuman: null },
    ]);
    await expect(manager.rotateIfDue("bot_token")).resolves.toMatchObject({ status: "rotated" });
    expect(await vault.getCredential("bot_token")).toBe("from-config-rotator");
    await expect(manager.rotateIfDue("bot_token")).resolves.toMatchObject({
      status: "skipped",
      reason: "not_due",
    });
  });

  it("reports a broken config policy as a config error", async () => {
    const { vault } = setup();
    const config = secretsConfig({ secrets: { k: { rotationDays: 5, rotator: "command" } } });
    const manager = new SecretsManager(vault, { config });
    await vault.setCredential("k", "v");
    await expect(manager.getRotationStatus("k")).rejects.toMatchObject({ code: "E_CONFIG" });
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("condition not met");
}
