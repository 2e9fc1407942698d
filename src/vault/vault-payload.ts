import { z } from "zod";
import { VigilError } from "../errors.js";

/** One stored value of a credential. */
export interface StoredVersion {
  version: number;
  value: string;
  createdAt: string;
  restoredFrom?: number;
}

/** A credential as kept inside the encrypted payload. */
export interface StoredCredential {
  createdAt: string;
  updatedAt: string;
  expires?: string;
  tags: string[];
  metadata: Record<string, unknown>;
  nextVersion: number;
  /** Oldest first; the last one is the current value. */
  versions: StoredVersion[];
}

/** The decrypted payload: credentials plus sections owned by other modules (policies, history). */
export interface VaultPayload {
  createdAt: string;
  entries: Map<string, StoredCredential>;
  sections: Map<string, unknown>;
}

const storedVersionSchema = z.object({
  version: z.number().int().positive(),
  value: z.string(),
  createdAt: z.string(),
  restoredFrom: z.number().int().positive().optional(),
});

const storedCredentialSchema = z.object({
  createdAt: z.string(),
  updatedAt: z.string(),
  expires: z.string().optional(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  nextVersion: z.number().int().positive(),
  versions: z.array(storedVersionSchema).min(1),
});

// `entries` and `sections` are checked as plain objects and their members one by one: a record
// schema would rebuild them by assignment, and assigning a key named "__proto__" (a valid
// credential name) sets the prototype instead, silently dropping that credential.
const plainObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value),
);

const payloadSchema = z.object({
  format: z.literal(1),
  createdAt: z.string(),
  entries: plainObject,
  sections: plainObject,
});

/** A new, empty payload. */
export function emptyPayload(createdAt: string): VaultPayload {
  return { createdAt, entries: new Map(), sections: new Map() };
}

/** The payload as JSON bytes, ready to encrypt. */
export function serializePayload(payload: VaultPayload): Buffer {
  const entries: string[] = [];
  for (const [name, entry] of payload.entries) {
    entries.push(`${JSON.stringify(name)}:${serializedEntry(entry)}`);
  }
  const sections = JSON.stringify(Object.fromEntries(payload.sections));
  return Buffer.from(
    `{"format":1,"createdAt":${JSON.stringify(payload.createdAt)},` +
      `"entries":{${entries.join(",")}},"sections":${sections}}`,
    "utf8",
  );
}

/*
 * Each entry's JSON, kept until the entry changes. Every write re-encrypts the whole payload, and
 * re-serialising a thousand unchanged entries was the largest cost of a write after the fsyncs.
 * Whoever changes an entry in place must call markEntryChanged first.
 */
const serializedEntries = new WeakMap<StoredCredential, string>();

function serializedEntry(entry: StoredCredential): string {
  let json = serializedEntries.get(entry);
  if (json === undefined) {
    json = JSON.stringify(entry);
    serializedEntries.set(entry, json);
  }
  return json;
}

/** Drops the cached JSON of an entry about to be changed in place. */
export function markEntryChanged(entry: StoredCredential): void {
  serializedEntries.delete(entry);
}

/**
 * Parses decrypted payload bytes. They were authenticated already, so a failure here means a
 * writer bug or a newer format, reported as an integrity problem rather than a crash.
 *
 * @throws {VigilError} `E_INTEGRITY`
 */
export function parsePayload(bytes: Buffer, path: string): VaultPayload {
  try {
    const parsed = payloadSchema.parse(JSON.parse(bytes.toString("utf8")));
    const entries = new Map<string, StoredCredential>();
    // Object.entries lists own keys, "__proto__" included, as JSON.parse defined them.
    for (const [name, entry] of Object.entries(parsed.entries)) {
      entries.set(name, withoutUndefined(storedCredentialSchema.parse(entry)) as StoredCredential);
    }
    return {
      createdAt: parsed.createdAt,
      entries,
      sections: new Map(Object.entries(parsed.sections)),
    };
  } catch (error) {
    throw new VigilError("E_INTEGRITY", `${path} holds an unreadable payload; restore it`, {
      cause: error,
    });
  }
}

function withoutUndefined(entry: z.output<typeof storedCredentialSchema>): StoredCredential {
  const { expires, versions, ...rest } = entry;
  const cleanVersions = versions.map(({ restoredFrom, ...version }) =>
    restoredFrom === undefined ? version : { ...version, restoredFrom },
  );
  return expires === undefined
    ? { ...rest, versions: cleanVersions }
    : { ...rest, expires, versions: cleanVersions };
}
