import { readFileSync } from "node:fs";
import { VigilError } from "../errors.js";
import { assertPrivate } from "../storage/index.js";

/** The environment variable the design names for the master password. */
export const MASTER_PASSWORD_ENV = "VAULT_MASTER_PASSWORD";

/** Where {@link resolveMasterPassword} looks, in order. */
export interface MasterPasswordSources {
  /** Given in code (or by the CLI after a prompt). */
  readonly explicit?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** A file that must be 0600 and owned by this user; one trailing newline is dropped. */
  readonly file?: string | undefined;
}

/**
 * Finds the master password: an explicit value, else `VAULT_MASTER_PASSWORD`, else the password
 * file. Never from command-line arguments, where any user could read it in `ps`.
 *
 * @throws {VigilError} `E_LOCKED` when no source has one; `E_INSECURE_PERMISSIONS` for a password
 * file others can read.
 */
export function resolveMasterPassword(sources: MasterPasswordSources): string {
  if (sources.explicit !== undefined && sources.explicit !== "") return sources.explicit;
  const fromEnv = (sources.env ?? process.env)[MASTER_PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (sources.file !== undefined) {
    assertPrivate(sources.file);
    const content = readFileSync(sources.file, "utf8").replace(/\r?\n$/, "");
    if (content !== "") return content;
  }
  throw new VigilError(
    "E_LOCKED",
    `no master password available: set ${MASTER_PASSWORD_ENV}, name a 0600 file in ` +
      "vault.masterPasswordFile, or run the command in a terminal to be prompted",
  );
}
