import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomString } from "../crypto/index.js";
import { isVigilError } from "../errors.js";
import { EncryptedVault } from "../vault/index.js";

/** Options for {@link runDemo}. */
export interface DemoOptions {
  /** Receives each line the demo wants shown. */
  readonly report: (line: string) => void;
  /** Keep the throwaway data directory instead of deleting it. Default false. */
  readonly keep?: boolean;
}

/**
 * An end-to-end tour on a throwaway data directory: creates a vault, stores, lists, reads and
 * rotates credentials, and shows that a wrong password and a damaged file are refused.
 * Values are made up on the spot and shown only masked.
 *
 * @returns the data directory used (already deleted unless `keep`).
 */
export async function runDemo(options: DemoOptions): Promise<string> {
  const { report } = options;
  const home = mkdtempSync(join(tmpdir(), "vigil-demo-"));
  try {
    await vaultTour(home, report);
    return home;
  } finally {
    if (options.keep) report(`kept the demo data directory: ${home}`);
    else rmSync(home, { recursive: true, force: true });
  }
}

async function vaultTour(home: string, report: (line: string) => void): Promise<void> {
  const password = `${randomString(6)}-${randomString(6)}-${randomString(6)}-${randomString(6)}`;
  report(`== 1. Encrypted vault (throwaway data directory ${home})`);
  const vault = new EncryptedVault({ home, masterPassword: password, env: {} });
  await vault.unlock();
  report("created the vault: Argon2id (64 MiB, 3 passes, 4 lanes) wraps an AES-256-GCM key");

  const linkedin = randomString(20);
  const openai = `sk-demo-${randomString(40)}`;
  await vault.setCredential("linkedin_password", linkedin, { tags: ["linkedin"] });
  await vault.setCredential("openai_api_key", openai, { expires: "2027-03-01", tags: ["llm"] });
  report("stored linkedin_password and openai_api_key");

  for (const [name, info] of Object.entries(await vault.listCredentials())) {
    report(`  ${name}: version ${info.currentVersion}, expires ${info.expires ?? "never"}`);
  }
  const read = await vault.getCredential("openai_api_key");
  report(`read openai_api_key back: ${mask(read)} (${read === openai ? "matches" : "MISMATCH"})`);

  await vault.setCredential("openai_api_key", `sk-demo-${randomString(40)}`);
  report("rotated openai_api_key by hand; history (never values):");
  for (const version of await vault.getHistory("openai_api_key")) {
    report(
      `  version ${version.version} at ${version.createdAt}${version.current ? " (current)" : ""}`,
    );
  }
  await vault.rollback("openai_api_key");
  const restored = await vault.getCredential("openai_api_key");
  report(`rolled back: the first key is current again (${restored === openai ? "yes" : "NO"})`);
  vault.close();

  await expectRefusal(report, "a wrong master password", () =>
    new EncryptedVault({ home, masterPassword: `${password}x`, env: {}, create: false }).unlock(),
  );
  const damaged = join(home, "damaged-vault");
  copyFileSync(vault.path, damaged);
  const bytes = readFileSync(damaged);
  bytes[bytes.length - 60] = (bytes[bytes.length - 60] ?? 0) ^ 0x01;
  writeFileSync(damaged, bytes, { mode: 0o600 });
  await expectRefusal(report, "a vault with one flipped bit", () =>
    new EncryptedVault({ home, file: damaged, masterPassword: password, env: {} }).unlock(),
  );
}

async function expectRefusal(
  report: (line: string) => void,
  what: string,
  attempt: () => Promise<unknown>,
): Promise<void> {
  try {
    await attempt();
    report(`UNEXPECTED: ${what} was accepted`);
    throw new Error(`demo expectation failed: ${what} was accepted`);
  } catch (error) {
    if (!isVigilError(error)) throw error;
    report(`refused ${what}: ${error.code}`);
  }
}

/** The first four characters and the length, for showing that a value is right without leaking it. */
export function mask(value: string): string {
  return `${value.slice(0, 4)}${"*".repeat(8)} (${value.length} chars)`;
}
