import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** AES-256-GCM nonce length in bytes (96 bits, as NIST SP 800-38D recommends). */
export const GCM_NONCE_BYTES = 12;
/** AES-256-GCM tag length in bytes (the full 128 bits). */
export const GCM_TAG_BYTES = 16;
/** AES-256 key length in bytes. */
export const AES256_KEY_BYTES = 32;

/** The output of {@link sealAes256Gcm}. */
export interface GcmSealed {
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

/**
 * Encrypts and authenticates `plaintext` (and authenticates `aad`) under a fresh random nonce.
 * Random 96-bit nonces are safe for far more messages than a vault will ever write under one key.
 * Pass `nonce` only when the AAD must name it; it must then come fresh from the CSPRNG, since
 * reusing a nonce under one key breaks GCM.
 */
export function sealAes256Gcm(
  key: Buffer,
  plaintext: Buffer,
  aad: Buffer,
  nonce: Buffer = randomBytes(GCM_NONCE_BYTES),
): GcmSealed {
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, ciphertext, tag: cipher.getAuthTag() };
}

/**
 * Verifies and decrypts; returns `null` when the tag does not match (wrong key, or any bit of
 * nonce, ciphertext, tag or aad changed). No plaintext is released before the tag is checked.
 */
export function openAes256Gcm(key: Buffer, sealed: GcmSealed, aad: Buffer): Buffer | null {
  if (sealed.nonce.length !== GCM_NONCE_BYTES || sealed.tag.length !== GCM_TAG_BYTES) return null;
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.nonce, {
    authTagLength: GCM_TAG_BYTES,
  });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.tag);
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    return null;
  }
}
