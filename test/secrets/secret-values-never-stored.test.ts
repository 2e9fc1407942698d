import { describe, expect, it } from "vitest";
import { hmacSha256, sha256 } from "../../src/crypto/index.js";
import { SECRETS_SECTION } from "../../src/secrets/index.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { TEST_PASSWORD } from "../helpers/temp-home.js";
import { setup, writeScript } from "./secrets-fixtures.js";

describe("values stay out of history, status and audit events", () => {
  it("keeps every value used out of the decrypted secrets section and the audit events", async () => {
    const { manager, vault, sink, home, config, clock } = setup();
    const values = ["manual-value-0001", "manual-value-0002", "cmd-value-0003"];
    const script = writeScript(`cat > /dev/null; echo ${values[2]}`);
    const failing = writeScript("cat > /dev/null; echo would-be-value-0004; exit 1", "fail.sh");

    await manager.registerSecret("api", { rotationDays: 30 });
    await manager.rotateSecret("api", values[0]);
    await manager.rotateSecret("api", values[1]);
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: { kind: "command", command: script },
    });
    await manager.rotateSecret("api");
    await manager.registerSecret("gen", { rotationDays: 30, rotator: "generate" });
    await manager.rotateSecret("gen");
    values.push(await vault.getCredential("gen"));
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: { kind: "command", command: failing },
    });
    await manager.rotateSecret("api").catch(() => undefined);
    await manager.rollbackSecret("api");
    values.push("would-be-value-0004");

    // A fresh vault handle decrypts the payload independently of the manager.
    const fresh = new EncryptedVault({
      home,
      masterPassword: TEST_PASSWORD,
      config,
      clock,
      env: {},
    });
    const section = JSON.stringify(await fresh.readSection(SECRETS_SECTION));
    const history = JSON.stringify([
      await manager.getRotationHistory("api"),
      await manager.getRotationHistory("gen"),
    ]);
    const status = JSON.stringify(await manager.getRotationStatus());
    const audit = JSON.stringify(sink.events);
    const exported = JSON.stringify(await manager.exportConfig());

    expect(section).toContain("fingerprint");
    for (const value of values) {
      for (const text of [section, history, status, audit, exported]) {
        expect(text).not.toContain(value);
        // Nor a plain hash of it, which would let anyone test guesses.
        expect(text).not.toContain(sha256(value).toString("hex").slice(0, 32));
      }
    }
    fresh.close();
  });

  it("fingerprints with a vault subkey: equal values match, others and plain hashes do not", async () => {
    const { manager, vault } = setup();
    await manager.registerSecret("a", { rotationDays: 30 });
    await manager.rotateSecret("a", "value-one");
    await manager.rotateSecret("a", "value-two");
    await manager.rollbackSecret("a");
    const [, first, second, back] = await manager.getRotationHistory("a");

    expect(first?.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(second?.fingerprint).not.toBe(first?.fingerprint);
    expect(back?.fingerprint).toBe(first?.fingerprint);
    const unkeyed = hmacSha256(Buffer.alloc(32), "a\u0000value-one")
      .subarray(0, 16)
      .toString("hex");
    expect(first?.fingerprint).not.toBe(unkeyed);
    expect(first?.fingerprint).not.toBe(sha256("value-one").subarray(0, 16).toString("hex"));
    expect(await vault.getCredential("a")).toBe("value-one");
  });
});
