import { hmacSha256 } from "../crypto/index.js";

/** The prefix of every redaction fingerprint, as HashiCorp Vault's audit devices write it. */
export const FINGERPRINT_PREFIX = "hmac-sha256:";

/**
 * The fingerprint that replaces a redacted value: `hmac-sha256:<hex>` under the trail's
 * fingerprint key. Equal values give equal fingerprints, so a known value can be searched for
 * without the trail ever holding it.
 *
 * @example
 * fingerprint(key, "hunter2"); // "hmac-sha256:5c1f..."
 */
export function fingerprint(key: Buffer, value: string): string {
  return `${FINGERPRINT_PREFIX}${hmacSha256(key, value).toString("hex")}`;
}

/** A key name reduced to lowercase letters and digits: `X-Api-Key` and `api_key` meet. */
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * Scrubs event details before they are written. A detail whose key equals or ends with one of
 * `redactKeys` (case, `-` and `_` ignored: `accessToken` matches `token`), at any depth, and any
 * string equal to a registered secret, is replaced by its {@link fingerprint}.
 */
export class Redactor {
  readonly #key: Buffer;
  readonly #redactKeys: readonly string[];
  /** Fingerprints of registered secrets; the values themselves are not kept. */
  readonly #secretFingerprints = new Set<string>();
  /** Lengths of registered secrets, so only strings of a matching length are hashed. */
  readonly #secretLengths = new Set<number>();
  /** Whether a detail key is redacted, remembered per key name. */
  readonly #keyVerdicts = new Map<string, boolean>();

  constructor(key: Buffer, redactKeys: readonly string[]) {
    this.#key = key;
    this.#redactKeys = redactKeys.map(normalizeKey).filter((key) => key.length > 0);
  }

  /** Remembers a secret value (as its fingerprint) so that it is redacted wherever it appears. */
  registerSecretValue(value: string): void {
    if (value.length === 0) return;
    this.#secretFingerprints.add(fingerprint(this.#key, value));
    this.#secretLengths.add(value.length);
  }

  /** The fingerprint of `value` under this trail's key. */
  fingerprint(value: string): string {
    return fingerprint(this.#key, value);
  }

  /**
   * `details` with redacted keys and secret values replaced, as a deep copy; when nothing needs
   * replacing (the common case) the input itself, which is never mutated either way.
   */
  redact(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
    if (this.#isClean(details, 0)) return details as Record<string, unknown>;
    return this.#redactObject(details, 0);
  }

  /** True when `value` holds nothing to redact and only plain JSON values. */
  #isClean(value: unknown, depth: number): boolean {
    if (depth > 32) return false;
    if (typeof value === "string") return !this.#isSecret(value);
    if (value === null || typeof value === "number" || typeof value === "boolean") return true;
    if (Array.isArray(value)) return value.every((item) => this.#isClean(item, depth + 1));
    if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) {
      return false;
    }
    for (const key in value) {
      if (this.#isRedactedKey(key)) return false;
      if (!this.#isClean((value as Record<string, unknown>)[key], depth + 1)) return false;
    }
    return true;
  }

  /** `text` itself, or its fingerprint when it equals a registered secret. */
  redactText(text: string): string {
    return this.#isSecret(text) ? this.fingerprint(text) : text;
  }

  #redactObject(value: Readonly<Record<string, unknown>>, depth: number): Record<string, unknown> {
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      copy[key] = this.#isRedactedKey(key) ? this.#fingerprintAny(inner) : this.#walk(inner, depth);
    }
    return copy;
  }

  #walk(value: unknown, depth: number): unknown {
    // Depth is capped so that a cyclic or hostile object cannot exhaust the stack.
    if (depth > 32) return "[too deep]";
    if (typeof value === "string") return this.redactText(value);
    if (Array.isArray(value)) return value.map((item) => this.#walk(item, depth + 1));
    if (value !== null && typeof value === "object") {
      if (value instanceof Date) return value.toISOString();
      return this.#redactObject(value as Record<string, unknown>, depth + 1);
    }
    if (typeof value === "bigint") return value.toString();
    return value;
  }

  #fingerprintAny(value: unknown): unknown {
    if (value === null || value === undefined || value === "") return value;
    return this.fingerprint(typeof value === "string" ? value : (JSON.stringify(value) ?? ""));
  }

  #isRedactedKey(key: string): boolean {
    let verdict = this.#keyVerdicts.get(key);
    if (verdict === undefined) {
      const normalized = normalizeKey(key);
      verdict = this.#redactKeys.some((redacted) => normalized.endsWith(redacted));
      // Bounded, so that hostile details with endless distinct keys cannot grow it forever.
      if (this.#keyVerdicts.size < 10_000) this.#keyVerdicts.set(key, verdict);
    }
    return verdict;
  }

  #isSecret(text: string): boolean {
    if (!this.#secretLengths.has(text.length)) return false;
    return this.#secretFingerprints.has(this.fingerprint(text));
  }
}
