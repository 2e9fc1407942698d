import { readFileSync } from "node:fs";
import type { Argon2idParams } from "../crypto/index.js";
import { decodeVaultFile } from "./vault-format.js";

/** What can be learned about a vault file without its password. */
export interface VaultFileFacts {
  readonly formatVersion: number;
  readonly kdf: Argon2idParams;
  readonly bytes: number;
}

/**
 * Reads a vault file's header and checks its framing and checksum, without any password.
 *
 * @throws {VigilError} `E_INTEGRITY`, `E_UNSUPPORTED_FORMAT` or `E_KDF_DOWNGRADE` as opening would.
 */
export function inspectVaultFile(path: string): VaultFileFacts {
  const bytes = readFileSync(path);
  const file = decodeVaultFile(bytes, path);
  return { formatVersion: file.version, kdf: file.kdf, bytes: bytes.length };
}
