import { existsSync, linkSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { hmacSha256, randomKey } from "../crypto/index.js";
import { VigilError } from "../errors.js";
import { replaceFileAtomically } from "../storage/index.js";

/**
 * Anything that derives purpose-bound subkeys from a secret nobody else holds. `EncryptedVault`
 * fits (its `deriveSubkey` is HKDF over the vault key), so audit/ never imports vault/.
 */
export interface AuditKeySource {
  deriveSubkey(purpose: string): Promise<Buffer>;
}

/** Keys given directly, e.g. by a process that keeps them in its own secret store. */
export interface AuditRawKeys {
  /** 32 bytes; MACs every line, seal and the head record. */
  readonly sealKey: Buffer;
  /** 32 bytes; default: derived from `sealKey`. Keys the redaction fingerprints. */
  readonly fingerprintKey?: Buffer;
}

/** The keys a trail is written and verified with. */
export interface AuditKeys {
  /** Undefined when no key source was given: the trail is then chained but unkeyed. */
  readonly sealKey: Buffer | undefined;
  /** A short public name of the seal key, so verify can tell "wrong key" from "forged". */
  readonly keyId: string | null;
  readonly fingerprintKey: Buffer;
}

/** The file that holds the fingerprint key of an unkeyed trail. */
export const LOCAL_FINGERPRINT_KEY_FILE = "fingerprint.key";

/**
 * Resolves the seal and fingerprint keys. With a key source, both come from it (purposes
 * `audit-seal` and `audit-fingerprint`). Without one, the trail is unkeyed: no MACs, and the
 * fingerprints use a random key kept in `<auditDir>/fingerprint.key` (0600), so they stay
 * stable across processes but protect only against readers of the trail who cannot read that
 * file.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for raw keys shorter than 32 bytes.
 * @example
 * const keys = await resolveAuditKeys(vault, "/home/bot/.vigil/audit");
 */
export async function resolveAuditKeys(
  source: AuditKeySource | AuditRawKeys | undefined,
  auditDir: string,
): Promise<AuditKeys> {
  if (source === undefined) {
    return { sealKey: undefined, keyId: null, fingerprintKey: await localFingerprintKey(auditDir) };
  }
  const [sealKey, fingerprintKey] =
    "deriveSubkey" in source
      ? await Promise.all([
          source.deriveSubkey("audit-seal"),
          source.deriveSubkey("audit-fingerprint"),
        ])
      : [source.sealKey, source.fingerprintKey ?? hmacSha256(source.sealKey, "audit-fingerprint")];
  for (const key of [sealKey, fingerprintKey]) {
    if (key.length < 32) {
      throw new VigilError("E_INVALID_ARGUMENT", "audit keys must be at least 32 bytes long");
    }
  }
  return { sealKey, keyId: keyIdOf(sealKey), fingerprintKey };
}

/** The public identifier of a seal key: 16 hex digits of an HMAC, revealing nothing of it. */
export function keyIdOf(sealKey: Buffer): string {
  return hmacSha256(sealKey, "vigil audit key id").toString("hex").slice(0, 16);
}

async function localFingerprintKey(auditDir: string): Promise<Buffer> {
  const path = join(auditDir, LOCAL_FINGERPRINT_KEY_FILE);
  if (!existsSync(path)) {
    // Two first writers may race: link() refuses to replace, so the loser reads the winner's key.
    await replaceFileAtomically(`${path}.${process.pid}`, randomKey(32).toString("hex"));
    try {
      linkSync(`${path}.${process.pid}`, path);
    } catch {
      // Another process created it first; keep theirs.
    }
    unlinkSync(`${path}.${process.pid}`);
  }
  const hex = readFileSync(path, "utf8").trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new VigilError("E_AUDIT", `${path} is damaged; delete it to start a new fingerprint key`);
  }
  return Buffer.from(hex, "hex");
}
