import { existsSync } from "node:fs";
import { DEFAULT_ARGON2ID } from "../../crypto/index.js";
import { isVigilError } from "../../errors.js";
import { inspectVaultFile } from "../../vault/index.js";
import type { DoctorScope, Finding } from "./finding.js";

/** Checks the vault's framing, checksum and KDF costs, without the master password. */
export function checkVault(scope: DoctorScope): Finding[] {
  if (!existsSync(scope.vaultPath)) {
    return [
      {
        check: "vault",
        severity: "warning",
        message: `no vault at ${scope.vaultPath}`,
        fix: "run 'vigil init', then 'vigil import' to move plain secrets into it",
      },
    ];
  }
  try {
    const facts = inspectVaultFile(scope.vaultPath);
    const { memoryKiB, iterations, parallelism } = facts.kdf;
    const belowDefault =
      memoryKiB < DEFAULT_ARGON2ID.memoryKiB || iterations < DEFAULT_ARGON2ID.iterations;
    return [
      {
        check: "vault-kdf",
        severity: belowDefault ? "warning" : "info",
        message:
          `vault format ${facts.formatVersion}, Argon2id m=${memoryKiB} KiB t=${iterations} ` +
          `p=${parallelism}${belowDefault ? ", below the recommended 64 MiB / 3 passes" : ""}`,
        ...(belowDefault
          ? { fix: "raise vault.kdf in the config, then run 'vigil vault passwd' to re-wrap" }
          : {}),
        location: scope.vaultPath,
      },
    ];
  } catch (error) {
    if (!isVigilError(error)) throw error;
    return [
      {
        check: "vault-integrity",
        severity: "error",
        message: error.message,
        fix: "restore the vault from a backup",
        location: scope.vaultPath,
      },
    ];
  }
}
