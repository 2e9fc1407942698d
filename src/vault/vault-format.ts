import type { Argon2idParams } from "../crypto/index.js";
import {
  AES256_KEY_BYTES,
  GCM_NONCE_BYTES,
  GCM_TAG_BYTES,
  meetsMinimum,
  sha256,
  withinMaximum,
} from "../crypto/index.js";
import { VigilError } from "../errors.js";

/*
 * Vault file format, version 1 (documented in docs/vault-format.md). Big-endian integers.
 *
 *   0   8  magic "VIGILVLT"
 *   8   2  format version (1)
 *  10   1  KDF id (1 = Argon2id v1.3)
 *  11   1  reserved, 0
 *  12   4  Argon2id memory (KiB)
 *  16   4  Argon2id iterations
 *  20   4  Argon2id parallelism
 *  24  16  salt
 *  40  12  key-wrap nonce
 *  52  32  wrapped vault key (AES-256-GCM under the password key; AAD = bytes 0-39)
 *  84  16  key-wrap tag
 * 100  12  payload nonce
 * 112   4  payload ciphertext length N
 * 116   N  payload ciphertext (AES-256-GCM under the vault key; AAD = bytes 0-115)
 * 116+N 16 payload tag
 * 132+N 32 SHA-256 of bytes 0 .. 131+N
 *
 * The GCM tags authenticate every byte against tampering; the trailing SHA-256 (unkeyed) only
 * tells accidental damage apart from a wrong password before any key is derived.
 */

export const VAULT_MAGIC = Buffer.from("VIGILVLT", "ascii");
export const VAULT_FORMAT_VERSION = 1;
export const KDF_ARGON2ID = 1;

const SALT_BYTES = 16;
const WRAP_AAD_END = 40;
const PAYLOAD_AAD_END = 116;
const CHECKSUM_BYTES = 32;
/** Smallest possible file: header, empty ciphertext, tag and checksum. */
export const MINIMUM_FILE_BYTES = PAYLOAD_AAD_END + GCM_TAG_BYTES + CHECKSUM_BYTES;

/** A parsed vault file, before any key is applied. */
export interface VaultFile {
  readonly version: number;
  readonly kdf: Argon2idParams;
  readonly salt: Buffer;
  readonly wrapNonce: Buffer;
  readonly wrappedKey: Buffer;
  readonly wrapTag: Buffer;
  /** Bytes 0-39, authenticated by the key wrap. */
  readonly wrapAad: Buffer;
  readonly payloadNonce: Buffer;
  readonly payloadCiphertext: Buffer;
  readonly payloadTag: Buffer;
  /** Bytes 0-115, authenticated by the payload encryption. */
  readonly payloadAad: Buffer;
}

/** The parts that make a header: KDF parameters, salt and the wrapped key. */
export interface VaultHeaderParts {
  readonly kdf: Argon2idParams;
  readonly salt: Buffer;
  readonly wrapNonce: Buffer;
  readonly wrappedKey: Buffer;
  readonly wrapTag: Buffer;
}

/** Bytes 0-39: what the key wrap authenticates. */
export function encodeWrapAad(kdf: Argon2idParams, salt: Buffer): Buffer {
  const out = Buffer.alloc(WRAP_AAD_END);
  VAULT_MAGIC.copy(out, 0);
  out.writeUInt16BE(VAULT_FORMAT_VERSION, 8);
  out.writeUInt8(KDF_ARGON2ID, 10);
  out.writeUInt8(0, 11);
  out.writeUInt32BE(kdf.memoryKiB, 12);
  out.writeUInt32BE(kdf.iterations, 16);
  out.writeUInt32BE(kdf.parallelism, 20);
  salt.copy(out, 24);
  return out;
}

/** Bytes 0-115: what the payload encryption authenticates, for a payload of `length` bytes. */
export function encodePayloadAad(
  header: VaultHeaderParts,
  payloadNonce: Buffer,
  length: number,
): Buffer {
  const out = Buffer.alloc(PAYLOAD_AAD_END);
  encodeWrapAad(header.kdf, header.salt).copy(out, 0);
  header.wrapNonce.copy(out, 40);
  header.wrappedKey.copy(out, 52);
  header.wrapTag.copy(out, 84);
  payloadNonce.copy(out, 100);
  out.writeUInt32BE(length, 112);
  return out;
}

/** Assembles a complete file from its authenticated parts and appends the checksum. */
export function encodeVaultFile(payloadAad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  const body = Buffer.concat([payloadAad, ciphertext, tag]);
  return Buffer.concat([body, sha256(body)]);
}

/**
 * Parses the framing of a vault file and checks what can be checked without a key.
 *
 * @throws {VigilError} `E_INTEGRITY` for damage or a header that is not ours,
 * `E_UNSUPPORTED_FORMAT` for a newer format, `E_KDF_DOWNGRADE` for KDF costs under OWASP's minimum.
 */
export function decodeVaultFile(bytes: Buffer, path: string): VaultFile {
  if (bytes.length < MINIMUM_FILE_BYTES || !bytes.subarray(0, 8).equals(VAULT_MAGIC)) {
    throw new VigilError(
      "E_INTEGRITY",
      `${path} is not a vigil vault or its header is damaged; restore it from a backup`,
    );
  }
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  if (!sha256(body).equals(bytes.subarray(bytes.length - CHECKSUM_BYTES))) {
    throw new VigilError(
      "E_INTEGRITY",
      `${path} was modified or damaged (checksum mismatch); restore it from a backup`,
    );
  }

  const version = bytes.readUInt16BE(8);
  if (version !== VAULT_FORMAT_VERSION) {
    throw new VigilError(
      "E_UNSUPPORTED_FORMAT",
      `${path} uses vault format ${version}; this vigil reads format ${VAULT_FORMAT_VERSION}, ` +
        "upgrade vigil",
    );
  }
  if (bytes.readUInt8(10) !== KDF_ARGON2ID || bytes.readUInt8(11) !== 0) {
    throw new VigilError("E_INTEGRITY", `${path} names an unknown key derivation; restore it`);
  }

  const kdf: Argon2idParams = {
    memoryKiB: bytes.readUInt32BE(12),
    iterations: bytes.readUInt32BE(16),
    parallelism: bytes.readUInt32BE(20),
  };
  assertKdfAcceptable(kdf, path);

  const length = bytes.readUInt32BE(112);
  if (PAYLOAD_AAD_END + length + GCM_TAG_BYTES + CHECKSUM_BYTES !== bytes.length) {
    throw new VigilError("E_INTEGRITY", `${path} has an inconsistent length; restore it`);
  }
  return {
    version,
    kdf,
    salt: bytes.subarray(24, 24 + SALT_BYTES),
    wrapNonce: bytes.subarray(40, 40 + GCM_NONCE_BYTES),
    wrappedKey: bytes.subarray(52, 52 + AES256_KEY_BYTES),
    wrapTag: bytes.subarray(84, 84 + GCM_TAG_BYTES),
    wrapAad: bytes.subarray(0, WRAP_AAD_END),
    payloadNonce: bytes.subarray(100, 100 + GCM_NONCE_BYTES),
    payloadCiphertext: bytes.subarray(PAYLOAD_AAD_END, PAYLOAD_AAD_END + length),
    payloadTag: bytes.subarray(PAYLOAD_AAD_END + length, PAYLOAD_AAD_END + length + GCM_TAG_BYTES),
    payloadAad: bytes.subarray(0, PAYLOAD_AAD_END),
  };
}

/**
 * Refuses KDF costs below OWASP's minimum (a downgrade) or above sane ceilings (a denial of
 * service through a hostile header).
 */
export function assertKdfAcceptable(kdf: Argon2idParams, path: string): void {
  if (!meetsMinimum(kdf)) {
    throw new VigilError(
      "E_KDF_DOWNGRADE",
      `${path} asks for Argon2id m=${kdf.memoryKiB} KiB, t=${kdf.iterations}, ` +
        `p=${kdf.parallelism}, below OWASP's minimum (m=19456 KiB, t=2); the file may have been ` +
        "tampered with to ease password guessing; restore it from a backup",
    );
  }
  if (!withinMaximum(kdf)) {
    throw new VigilError(
      "E_INTEGRITY",
      `${path} asks for implausible Argon2id costs; the header was modified, restore it`,
    );
  }
}

/** Salt length in bytes. */
export const VAULT_SALT_BYTES = SALT_BYTES;

/** Where the payload nonce sits: 12 random bytes that differ in every file ever written. */
export const PAYLOAD_NONCE_OFFSET = 100;
