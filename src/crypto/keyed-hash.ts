import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/** HKDF-SHA256 (RFC 5869): a subkey for one purpose, named by `info`. */
export function hkdfSha256(key: Buffer, info: string, length = 32, salt = Buffer.alloc(0)): Buffer {
  return Buffer.from(hkdfSync("sha256", key, salt, Buffer.from(info, "utf8"), length));
}

/** HMAC-SHA256 of `data` under `key`. */
export function hmacSha256(key: Buffer, data: Buffer | string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** SHA-256 of `data`. */
export function sha256(data: Buffer | string): Buffer {
  return createHash("sha256").update(data).digest();
}

/**
 * Compares two secrets in constant time, whatever their lengths: both sides are first reduced
 * to equal-length HMACs under a one-off key, so neither content nor length leaks through timing.
 */
export function constantTimeEqual(a: Buffer | string, b: Buffer | string): boolean {
  const key = sha256("vigil constant-time compare");
  return timingSafeEqual(hmacSha256(key, a), hmacSha256(key, b));
}
