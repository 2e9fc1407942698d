export {
  AES256_KEY_BYTES,
  GCM_NONCE_BYTES,
  GCM_TAG_BYTES,
  type GcmSealed,
  openAes256Gcm,
  sealAes256Gcm,
} from "./aes-gcm.js";
export {
  type Argon2idParams,
  DEFAULT_ARGON2ID,
  deriveArgon2idKey,
  MAXIMUM_ARGON2ID,
  MINIMUM_ARGON2ID,
  meetsMinimum,
  withinMaximum,
} from "./argon2id.js";
export { constantTimeEqual, hkdfSha256, hmacSha256, sha256 } from "./keyed-hash.js";
export { ALPHANUMERIC, PASSWORD_ALPHABET, randomKey, randomString } from "./random.js";
