import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

/*
 * Fernet (https://github.com/fernet/spec), kept only to read stores written by the earlier
 * Python design. A token is base64url(0x80 | timestamp u64 BE | IV 16 | AES-128-CBC ciphertext |
 * HMAC-SHA256 over everything before it). The key is base64url(signing key 16 | encryption key 16).
 */

const VERSION = 0x80;
const TIMESTAMP_BYTES = 8;
const IV_BYTES = 16;
const BLOCK_BYTES = 16;
const HMAC_BYTES = 32;
const HEADER_BYTES = 1 + TIMESTAMP_BYTES + IV_BYTES;
/** The specification's allowance for a token stamped slightly in the future, in seconds. */
export const FERNET_MAX_CLOCK_SKEW_SECONDS = 60;

/** A Fernet key split into its two halves. */
export interface FernetKey {
  readonly signingKey: Buffer;
  readonly encryptionKey: Buffer;
}

/** Options for {@link fernetDecrypt}. */
export interface FernetDecryptOptions {
  /** Reject tokens older than this many seconds. Default: no age limit (and no skew check). */
  readonly ttlSeconds?: number;
  /** "Now" in milliseconds since the epoch, for the TTL check. Default: `Date.now()`. */
  readonly nowMs?: number;
}

/** Options for {@link fernetEncrypt}; both exist so tests can reproduce the spec's vectors. */
export interface FernetEncryptOptions {
  /** The token's timestamp in milliseconds since the epoch. Default: `Date.now()`. */
  readonly nowMs?: number;
  /** The 16-byte IV. Default: 16 random bytes. Never reuse one outside tests. */
  readonly iv?: Buffer;
}

/**
 * Decodes strict base64url: only `A-Z a-z 0-9 - _`, padding optional but, when present, exactly
 * what the length needs and nothing after it, and unused trailing bits zero. Node's own decoder
 * skips what it cannot read, which would let a mangled token through to the MAC check with
 * different bytes than the sender wrote; the spec's "invalid" vectors require rejecting it.
 *
 * @returns the bytes, or `null` when `text` is not canonical base64url.
 * @example
 * decodeBase64UrlStrict("aGk="); // <Buffer 68 69>
 */
export function decodeBase64UrlStrict(text: string): Buffer | null {
  const match = /^([A-Za-z0-9_-]*)(={0,2})$/.exec(text);
  if (match === null) return null;
  const body = match[1] ?? "";
  const padding = match[2] ?? "";
  if (body.length % 4 === 1) return null;
  if (padding.length > 0 && (body.length + padding.length) % 4 !== 0) return null;

  const bytes = Buffer.from(body, "base64url");
  // Re-encoding catches non-zero leftover bits, which a canonical encoder never writes.
  return bytes.toString("base64url") === body ? bytes : null;
}

/**
 * Parses a Fernet key: 32 bytes in base64url (44 characters with padding), signing half first.
 *
 * @throws {Error} when the key is not 32 bytes of strict base64url (the message holds no key).
 * @example
 * const key = parseFernetKey("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=");
 */
export function parseFernetKey(key: string): FernetKey {
  const bytes = decodeBase64UrlStrict(key.trim());
  if (bytes === null || bytes.length !== 32) {
    throw new Error("a Fernet key is 32 bytes of base64url (44 characters)");
  }
  return { signingKey: bytes.subarray(0, 16), encryptionKey: bytes.subarray(16, 32) };
}

/**
 * Encrypts `plaintext` into a Fernet token.
 *
 * @throws {Error} on a malformed key or an IV that is not 16 bytes.
 * @example
 * const token = fernetEncrypt(key, Buffer.from("hello"));
 */
export function fernetEncrypt(
  key: FernetKey | string,
  plaintext: Buffer,
  options: FernetEncryptOptions = {},
): string {
  const { signingKey, encryptionKey } = typeof key === "string" ? parseFernetKey(key) : key;
  const iv = options.iv ?? randomBytes(IV_BYTES);
  if (iv.length !== IV_BYTES) throw new Error("a Fernet IV is 16 bytes");

  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = VERSION;
  header.writeBigUInt64BE(BigInt(Math.floor((options.nowMs ?? Date.now()) / 1000)), 1);
  iv.copy(header, 1 + TIMESTAMP_BYTES);
  const cipher = createCipheriv("aes-128-cbc", encryptionKey, iv);
  const signed = Buffer.concat([header, cipher.update(plaintext), cipher.final()]);
  const mac = createHmac("sha256", signingKey).update(signed).digest();
  return Buffer.concat([signed, mac])
    .toString("base64url")
    .padEnd(Math.ceil((signed.length + HMAC_BYTES) / 3) * 4, "=");
}

/**
 * Verifies and decrypts a Fernet token. The HMAC is checked in constant time before any
 * decryption, so a forged token never reaches the CBC padding check (no padding oracle).
 *
 * @returns the plaintext, or `null` for any invalid token: bad encoding, wrong version, too
 * short, misaligned, wrong MAC (or key), bad padding, expired or too far in the future.
 * @throws {Error} only for a malformed key.
 * @example
 * fernetDecrypt(key, token, { ttlSeconds: 60 }); // Buffer, or null
 */
export function fernetDecrypt(
  key: FernetKey | string,
  token: string,
  options: FernetDecryptOptions = {},
): Buffer | null {
  const { signingKey, encryptionKey } = typeof key === "string" ? parseFernetKey(key) : key;
  const data = decodeBase64UrlStrict(token);
  if (data === null || data.length < HEADER_BYTES + BLOCK_BYTES + HMAC_BYTES) return null;
  if (data[0] !== VERSION) return null;
  const ciphertextBytes = data.length - HEADER_BYTES - HMAC_BYTES;
  if (ciphertextBytes % BLOCK_BYTES !== 0) return null;

  const signed = data.subarray(0, data.length - HMAC_BYTES);
  const expected = createHmac("sha256", signingKey).update(signed).digest();
  if (!timingSafeEqual(expected, data.subarray(data.length - HMAC_BYTES))) return null;

  if (options.ttlSeconds !== undefined && !withinTtl(data, options.ttlSeconds, options.nowMs)) {
    return null;
  }

  const iv = data.subarray(1 + TIMESTAMP_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv("aes-128-cbc", encryptionKey, iv);
  try {
    return Buffer.concat([decipher.update(signed.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

function withinTtl(data: Buffer, ttlSeconds: number, nowMs = Date.now()): boolean {
  const stampSeconds = Number(data.readBigUInt64BE(1));
  const nowSeconds = Math.floor(nowMs / 1000);
  if (stampSeconds + ttlSeconds < nowSeconds) return false;
  return stampSeconds <= nowSeconds + FERNET_MAX_CLOCK_SKEW_SECONDS;
}
