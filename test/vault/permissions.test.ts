import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { VigilError } from "../../src/errors.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { makeTempDir, TEST_PASSWORD } from "../helpers/temp-home.js";
import { makeVault, reopenVault, testConfig } from "../helpers/vault-fixtures.js";

async function refusal(work: () => Promise<unknown>): Promise<VigilError> {
  try {
    await work();
  } catch (error) {
    return error as VigilError;
  }
  throw new Error("expected a refusal");
}

describe("file permissions", () => {
  it.each([0o644, 0o640, 0o604, 0o660, 0o666])(
    "refuses a vault file with mode %o, naming the chmod that fixes it",
    async (mode) => {
      const vault = makeVault();
      await vault.setCredential("a", "alpha");
      chmodSync(vault.path, mode);

      const error = await refusal(() => reopenVault(vault).getCredential("a"));

      expect(error.code).toBe("E_INSECURE_PERMISSIONS");
      expect(error.message).toContain(`chmod 600 ${vault.path}`);
    },
  );

  it.each([0o755, 0o750, 0o705, 0o711])(
    "refuses a data directory with mode %o, naming the chmod that fixes it",
    async (mode) => {
      const vault = makeVault();
      await vault.setCredential("a", "alpha");
      chmodSync(vault.home, mode);

      const error = await refusal(() => reopenVault(vault).getCredential("a"));

      expect(error.code).toBe("E_INSECURE_PERMISSIONS");
      expect(error.message).toContain(`chmod 700 ${vault.home}`);
    },
  );

  it("refuses to create a vault inside an existing data directory others can read", async () => {
    const home = join(makeTempDir(), "shared");
    mkdirSync(home, { mode: 0o755 });
    chmodSync(home, 0o755);
    const vault = makeVault({ home });

    expect((await refusal(() => vault.unlock())).code).toBe("E_INSECURE_PERMISSIONS");
    expect(() => statSync(vault.path)).toThrow();
  });

  it("works again once the suggested chmod is applied", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "alpha");
    chmodSync(vault.path, 0o644);
    await refusal(() => reopenVault(vault).unlock());

    chmodSync(vault.path, 0o600);
    expect(await reopenVault(vault).getCredential("a")).toBe("alpha");
  });

  it("refuses a vault whose mode was loosened while another instance had it unlocked", async () => {
    const vault = makeVault();
    await vault.setCredential("a", "alpha");
    const other = reopenVault(vault);
    await other.unlock();
    await vault.setCredential("b", "beta");
    chmodSync(vault.path, 0o644);

    expect((await refusal(() => other.getCredential("b"))).code).toBe("E_INSECURE_PERMISSIONS");
  });

  it("keeps the vault 0600 after every write, even under a permissive umask", async () => {
    const previous = process.umask(0o000);
    try {
      const vault = makeVault();
      await vault.setCredential("a", "alpha");
      await vault.setCredential("a", "alpha-2");
      expect(statSync(vault.path).mode & 0o777).toBe(0o600);
      expect(statSync(vault.home).mode & 0o777).toBe(0o700);
      expect(statSync(`${vault.path}.lock`).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it("refuses a 0644 master password file with the chmod fix, and reads nothing from it", async () => {
    const dir = makeTempDir();
    const file = join(dir, "master-password");
    writeFileSync(file, TEST_PASSWORD);
    chmodSync(file, 0o644);
    const vault = new EncryptedVault({
      home: join(dir, ".vigil"),
      config: testConfig({ masterPasswordFile: file }),
      env: {},
    });

    const error = await refusal(() => vault.unlock());

    expect(error.code).toBe("E_INSECURE_PERMISSIONS");
    expect(error.message).toContain(`chmod 600 ${file}`);
    expect(error.message).not.toContain(TEST_PASSWORD);
    expect(readFileSync(file, "utf8")).toBe(TEST_PASSWORD);
  });
});
