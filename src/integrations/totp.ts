import { createHmac } from "node:crypto";
import { type Clock, systemClock } from "../clock.js";
import { VigilError } from "../errors.js";

/** The HMAC algorithms RFC 6238 allows. */
export type OtpAlgorithm = "SHA1" | "SHA256" | "SHA512";

/** Everything needed to compute a time-based one-time password. */
export interface TotpParams {
  readonly secret: Buffer;
  /** Default `SHA1`, what almost every platform uses. */
  readonly algorithm: OtpAlgorithm;
  /** 6 to 8; default 6. */
  readonly digits: number;
  /** Time step in seconds; default 30. */
  readonly periodSeconds: number;
  readonly issuer?: string;
  readonly account?: string;
}

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const NODE_HASH: Readonly<Record<OtpAlgorithm, string>> = {
  SHA1: "sha1",
  SHA256: "sha256",
  SHA512: "sha512",
};

/**
 * Decodes RFC 4648 base32, as authenticator apps show it: case-insensitive, spaces and hyphens
 * ignored (they are only grouping), padding optional.
 *
 * @throws {VigilError} `E_INVALID_VALUE` for any other character or an impossible length; the
 * message never holds the secret.
 * @example
 * decodeBase32("JBSW Y3DP"); // <Buffer 48 65 6c 6c 6f>
 */
export function decodeBase32(text: string): Buffer {
  const clean = text.replace(/[\s-]/g, "").replace(/=+$/, "").toUpperCase();
  if (clean.length === 0 || [1, 3, 6].includes(clean.length % 8)) {
    throw new VigilError("E_INVALID_VALUE", "the OTP secret is not valid base32 (wrong length)");
  }
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) {
      throw new VigilError(
        "E_INVALID_VALUE",
        "the OTP secret is not valid base32 (use the letters A-Z and digits 2-7)",
      );
    }
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/**
 * Encodes bytes as unpadded RFC 4648 base32 (upper case).
 *
 * @example
 * encodeBase32(Buffer.from("Hello")); // "JBSWY3DP"
 */
export function encodeBase32(bytes: Buffer): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * HOTP (RFC 4226): HMAC of the 8-byte big-endian counter, dynamically truncated to `digits`.
 *
 * @example
 * hotp(Buffer.from("12345678901234567890"), 0); // "755224"
 */
export function hotp(
  secret: Buffer,
  counter: number | bigint,
  options: { algorithm?: OtpAlgorithm; digits?: number } = {},
): string {
  const digits = options.digits ?? 6;
  assertDigits(digits);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(NODE_HASH[options.algorithm ?? "SHA1"], secret)
    .update(message)
    .digest();

  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/**
 * TOTP (RFC 6238): HOTP over the number of whole periods since the Unix epoch.
 *
 * @param clock Default: the system clock.
 * @example
 * totp(params).code; // "287082"
 */
export function totp(
  params: Pick<TotpParams, "secret"> & Partial<TotpParams>,
  clock: Pick<Clock, "now"> = systemClock,
): { code: string; secondsRemaining: number } {
  const periodSeconds = params.periodSeconds ?? 30;
  const nowSeconds = Math.floor(clock.now() / 1000);
  const counter = Math.floor(nowSeconds / periodSeconds);
  const code = hotp(params.secret, counter, {
    algorithm: params.algorithm ?? "SHA1",
    digits: params.digits ?? 6,
  });
  return { code, secondsRemaining: periodSeconds - (nowSeconds % periodSeconds) };
}

/**
 * Parses what a user pastes: an `otpauth://totp/...` URI (from the QR code) or a bare base32
 * secret. HOTP URIs are refused: a counter would need to be stored back after every code.
 *
 * @throws {VigilError} `E_INVALID_VALUE` or `E_UNSUPPORTED_FORMAT`; messages never hold the secret.
 * @example
 * parseOtpInput("otpauth://totp/Site:me?secret=JBSWY3DPEHPK3PXP&digits=8");
 */
export function parseOtpInput(text: string): TotpParams {
  const trimmed = text.trim();
  if (/^otpauth:/i.test(trimmed)) return parseOtpauthUri(trimmed);
  return { secret: decodeBase32(trimmed), algorithm: "SHA1", digits: 6, periodSeconds: 30 };
}

/**
 * Parses an `otpauth://totp/LABEL?secret=...&issuer=...&algorithm=...&digits=...&period=...`
 * URI (the Google Authenticator key URI format).
 *
 * @throws {VigilError} `E_INVALID_VALUE` for a malformed URI or parameter,
 * `E_UNSUPPORTED_FORMAT` for `otpauth://hotp`.
 */
export function parseOtpauthUri(uri: string): TotpParams {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new VigilError("E_INVALID_VALUE", "the otpauth:// URI is malformed");
  }
  if (url.protocol !== "otpauth:" || url.hostname === "") {
    throw new VigilError("E_INVALID_VALUE", "an OTP URI starts with otpauth://");
  }
  if (url.hostname.toLowerCase() !== "totp") {
    throw new VigilError(
      "E_UNSUPPORTED_FORMAT",
      `otpauth://${url.hostname} is not supported; vigil computes time-based codes (otpauth://totp)`,
    );
  }

  const secretText = url.searchParams.get("secret");
  if (secretText === null) throw new VigilError("E_INVALID_VALUE", "the URI has no secret=");
  const label = safeDecode(url.pathname.replace(/^\//, ""));
  const [labelIssuer, account] = label.includes(":")
    ? [label.slice(0, label.indexOf(":")), label.slice(label.indexOf(":") + 1).trim()]
    : [undefined, label];
  const issuer = url.searchParams.get("issuer") ?? labelIssuer;
  return {
    secret: decodeBase32(secretText),
    algorithm: parseAlgorithm(url.searchParams.get("algorithm")),
    digits: parseIntParam(url.searchParams.get("digits"), "digits", 6, 6, 8),
    periodSeconds: parseIntParam(url.searchParams.get("period"), "period", 30, 1, 3600),
    ...(issuer === undefined || issuer === "" ? {} : { issuer }),
    ...(account === undefined || account === "" ? {} : { account }),
  };
}

/**
 * The canonical `otpauth://totp` URI for `params`, which is what vigil stores in the vault.
 *
 * @example
 * formatOtpauthUri({ secret, algorithm: "SHA1", digits: 6, periodSeconds: 30 }, "github");
 */
export function formatOtpauthUri(params: TotpParams, fallbackLabel: string): string {
  const account = params.account ?? fallbackLabel;
  const label = params.issuer === undefined ? account : `${params.issuer}:${account}`;
  const query = new URLSearchParams({
    secret: encodeBase32(params.secret),
    algorithm: params.algorithm,
    digits: String(params.digits),
    period: String(params.periodSeconds),
    ...(params.issuer === undefined ? {} : { issuer: params.issuer }),
  });
  return `otpauth://totp/${encodeURIComponent(label)}?${query.toString()}`;
}

function parseAlgorithm(value: string | null): OtpAlgorithm {
  if (value === null) return "SHA1";
  const upper = value.toUpperCase().replace("-", "");
  if (upper === "SHA1" || upper === "SHA256" || upper === "SHA512") return upper;
  throw new VigilError(
    "E_INVALID_VALUE",
    `unsupported OTP algorithm "${value.slice(0, 20)}"; use SHA1, SHA256 or SHA512`,
  );
}

function parseIntParam(
  value: string | null,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === null) return fallback;
  const parsed = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new VigilError("E_INVALID_VALUE", `the URI's ${name} must be from ${min} to ${max}`);
  }
  return parsed;
}

function assertDigits(digits: number): void {
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new VigilError("E_INVALID_ARGUMENT", "an OTP has 6 to 8 digits");
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
