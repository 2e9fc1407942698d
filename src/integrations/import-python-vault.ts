import { fernetDecrypt, parseFernetKey } from "../crypto/fernet.js";
import { VigilError } from "../errors.js";

/** One credential read from the earlier Python design's store, decrypted. */
export interface PythonVaultEntry {
  readonly name: string;
  readonly value: string;
  /** The store's `created` time, when it had one. */
  readonly created?: string;
  /** The store's `metadata.expires`, when it had one. */
  readonly expires?: string;
}

/**
 * Reads the Python design's store: a JSON object `{name: {value, metadata, created, encrypted}}`
 * where `value` is a Fernet token when `encrypted` is true and the plain value otherwise.
 * Everything is checked before anything is returned, so a damaged entry stops the whole import.
 *
 * @param keyText the key file's content (the base64url Fernet key; surrounding whitespace ignored).
 * @throws {VigilError} `E_INVALID_VALUE` for a malformed store or key, `E_INTEGRITY` when a token
 * fails authentication (wrong key or a changed file). Messages name entries, never values.
 * @example
 * readPythonVault(readFileSync("config/.vault", "utf8"), readFileSync("config/.vault.key", "utf8"));
 */
export function readPythonVault(storeText: string, keyText: string): PythonVaultEntry[] {
  const store = parseStore(storeText);
  let key: ReturnType<typeof parseFernetKey>;
  try {
    key = parseFernetKey(keyText.trim());
  } catch (error) {
    throw new VigilError(
      "E_INVALID_VALUE",
      "the key file does not hold a Fernet key (32 bytes of base64url); pass the right one with --key",
      { cause: error },
    );
  }

  const entries: PythonVaultEntry[] = [];
  for (const [name, raw] of Object.entries(store)) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw malformed(`entry "${shortName(name)}" is not an object`);
    }
    const record = raw as Record<string, unknown>;
    if (typeof record.value !== "string") {
      throw malformed(`entry "${shortName(name)}" has no value`);
    }
    if (record.encrypted !== undefined && typeof record.encrypted !== "boolean") {
      throw malformed(
        `entry "${shortName(name)}" has an "encrypted" flag that is not true or false`,
      );
    }
    const value = record.encrypted === true ? decrypt(key, record.value, name) : record.value;
    const expires = expiresOf(record.metadata);
    entries.push({
      name,
      value,
      ...(typeof record.created === "string" ? { created: record.created } : {}),
      ...(expires === undefined ? {} : { expires }),
    });
  }
  return entries;
}

function parseStore(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse messages quote the input, which may hold plain values: neither message nor
    // cause is kept.
    throw malformed("it is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw malformed("the top level is not an object of credentials");
  }
  return parsed as Record<string, unknown>;
}

function decrypt(key: ReturnType<typeof parseFernetKey>, token: string, name: string): string {
  const plain = fernetDecrypt(key, token);
  if (plain === null) {
    throw new VigilError(
      "E_INTEGRITY",
      `entry "${shortName(name)}" failed Fernet authentication: wrong key file, or the store was changed`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch {
    throw malformed(`entry "${shortName(name)}" does not decrypt to UTF-8 text`);
  } finally {
    plain.fill(0);
  }
}

function expiresOf(metadata: unknown): string | undefined {
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const expires = (metadata as Record<string, unknown>).expires;
  return typeof expires === "string" && !Number.isNaN(Date.parse(expires)) ? expires : undefined;
}

function malformed(what: string): VigilError {
  return new VigilError("E_INVALID_VALUE", `the Python vault store is malformed: ${what}`);
}

function shortName(name: string): string {
  return name.length > 80 ? `${name.slice(0, 80)}...` : name;
}
