import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  type Stats,
  statSync,
} from "node:fs";
import { join } from "node:path";
import type { AuditSink, AuditSinkEvent } from "../audit-sink.js";
import { type Clock, systemClock, toIso } from "../clock.js";
import { loadConfig, type VigilConfig } from "../config/index.js";
import {
  type Argon2idParams,
  deriveArgon2idKey,
  GCM_NONCE_BYTES,
  hkdfSha256,
  openAes256Gcm,
  randomKey,
  sealAes256Gcm,
} from "../crypto/index.js";
import { VigilError } from "../errors.js";
import {
  assertPrivate,
  ensurePrivateDirectory,
  removeStaleTempFiles,
  replaceFileAtomically,
  resolveHome,
  withFileLock,
} from "../storage/index.js";
import { assertCredentialName, assertCredentialValue } from "./credential-name.js";
import { resolveMasterPassword } from "./master-password.js";
import { assertStrongMasterPassword } from "./password-strength.js";
import {
  assertKdfAcceptable,
  decodeVaultFile,
  encodePayloadAad,
  encodeVaultFile,
  encodeWrapAad,
  PAYLOAD_NONCE_OFFSET,
  VAULT_SALT_BYTES,
  type VaultHeaderParts,
} from "./vault-format.js";
import {
  emptyPayload,
  markEntryChanged,
  parsePayload,
  type StoredCredential,
  serializePayload,
  type VaultPayload,
} from "./vault-payload.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Options for {@link EncryptedVault}; each defaults from config and the environment. */
export interface EncryptedVaultOptions {
  /** Data directory. Default: config `home`, else `VIGIL_HOME`, else `./.vigil`. */
  readonly home?: string;
  /** Vault file. Default: config `vault.file`, else `<home>/vault`. */
  readonly file?: string;
  /** Master password. Default: `VAULT_MASTER_PASSWORD`, else `vault.masterPasswordFile`. */
  readonly masterPassword?: string;
  /** Loaded configuration. Default: `loadConfig()`. */
  readonly config?: VigilConfig;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  /** Receives credential_access and credential_modify events. */
  readonly audit?: AuditSink;
  /** Create the vault when it does not exist. Default true, as in the design. */
  readonly create?: boolean;
  /** Accept a weak master password when creating or changing it. Default false. */
  readonly allowWeakPassword?: boolean;
  /** Argon2id costs for a new vault or a password change. Default: config `vault.kdf`. */
  readonly kdf?: Argon2idParams;
}

/** Metadata accepted by {@link EncryptedVault.setCredential}. Never put secrets here. */
export interface CredentialMetadata {
  /** Expiry as `YYYY-MM-DD` (00:00 UTC that day) or an ISO-8601 time; `null` clears it. */
  readonly expires?: string | Date | null;
  readonly tags?: readonly string[];
  readonly [key: string]: unknown;
}

/** What {@link EncryptedVault.listCredentials} tells about a credential: everything but values. */
export interface CredentialInfo {
  readonly created: string;
  readonly updated: string;
  readonly expires: string | null;
  readonly tags: readonly string[];
  /** How many versions are kept (the current one and its backups). */
  readonly versions: number;
  readonly currentVersion: number;
  readonly expired: boolean;
  /** Expires within `vault.expiryWarningDays`. */
  readonly expiring: boolean;
  readonly encrypted: true;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** One kept version, without its value. */
export interface CredentialVersionInfo {
  readonly version: number;
  readonly createdAt: string;
  readonly current: boolean;
  readonly restoredFrom?: number;
}

/** A consistent read-modify-write view used by {@link EncryptedVault.transaction}. */
export interface VaultTransaction {
  get(name: string): string | undefined;
  has(name: string): boolean;
  set(name: string, value: string, metadata?: CredentialMetadata): void;
  /** The stored data of a module's section (a deep copy), or `undefined`. */
  section(name: string): unknown;
  setSection(name: string, data: unknown): void;
  /** What {@link EncryptedVault.listCredentials} tells about `name`, or `undefined`. */
  info(name: string): CredentialInfo | undefined;
  /**
   * Makes an earlier version current again, as {@link EncryptedVault.rollback} does (default:
   * the previous one); returns the version restored. Throws `E_NOT_FOUND` as rollback does.
   */
  rollback(name: string, version?: number): number;
}

/**
 * What identifies one written version of the vault file. Stat fields alone do not: ext4 hands a
 * freed inode number to the next file, and many kernels and file systems stamp times in ticks of
 * milliseconds to seconds, so two same-size writes within one tick look alike. The payload nonce
 * is random per write, so it tells them apart; the stat fields catch chmod and chown.
 */
interface FileStamp {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly nonce: string;
}

interface UnlockedState {
  vaultKey: Buffer;
  header: VaultHeaderParts;
  payload: VaultPayload;
  stamp: FileStamp | undefined;
}

/**
 * Credentials encrypted at rest under a master password: Argon2id derives a key that wraps a
 * random 256-bit vault key; the vault key encrypts the whole payload with AES-256-GCM, and the
 * header is authenticated with it. Writes are atomic and serialised across processes.
 *
 * Every method unlocks on first use (creating the vault if none exists and `create` allows);
 * call {@link unlock} to pay the key derivation up front.
 *
 * @example
 * const vault = new EncryptedVault({ masterPassword });
 * await vault.setCredential("test_key", "secret_value");
 * await vault.getCredential("test_key"); // "secret_value"
 */
export class EncryptedVault {
  /** Absolute path of the vault file. */
  readonly path: string;
  /** Absolute path of the data directory. */
  readonly home: string;
  readonly #lockPath: string;
  readonly #config: VigilConfig;
  readonly #options: EncryptedVaultOptions;
  readonly #clock: Clock;
  #unlocking: Promise<UnlockedState> | undefined;
  #state: UnlockedState | undefined;
  #closed = false;

  constructor(options: EncryptedVaultOptions = {}) {
    this.#options = options;
    this.#config = options.config ?? loadConfig(options.env ? { env: options.env } : {});
    this.#clock = options.clock ?? systemClock;
    this.home = resolveHome(options.home ?? this.#config.home, options.env ?? process.env);
    this.path = options.file ?? this.#config.vault.file ?? join(this.home, "vault");
    this.#lockPath = `${this.path}.lock`;
  }

  /**
   * Opens the vault, creating it when missing. Safe to call more than once.
   *
   * @throws {VigilError} `E_WRONG_PASSWORD`, `E_INTEGRITY`, `E_KDF_DOWNGRADE`, `E_LOCKED`,
   * `E_WEAK_PASSWORD` (creation), `E_INSECURE_PERMISSIONS`, `E_NOT_FOUND` (when `create` is false).
   */
  async unlock(): Promise<void> {
    await this.#unlocked();
  }

  /** True when the vault file exists. */
  exists(): boolean {
    return existsSync(this.path);
  }

  /**
   * Stores `value` under `name`, keeping the previous value as a backup version.
   *
   * @throws {VigilError} `E_INVALID_NAME`, `E_INVALID_VALUE`, `E_INVALID_ARGUMENT` (metadata).
   */
  async setCredential(
    name: string,
    value: string,
    metadata: CredentialMetadata = {},
  ): Promise<CredentialInfo> {
    assertCredentialName(name);
    assertCredentialValue(value, name);
    const normalized = normalizeMetadata(metadata, name);

    // The info is taken under the lock: read afterwards, another process's delete could make a
    // write that succeeded look like a failure.
    const { created, version, info } = await this.#commit((payload) => {
      const created = !payload.entries.has(name);
      const entry = this.#writeValue(payload, name, value, normalized);
      return { created, version: entry.nextVersion - 1, info: this.#describe({ payload }, name) };
    });

    await this.#emit({
      eventType: "credential_modify",
      description: `credential ${name} ${created ? "created" : "updated"}`,
      details: { credential: name, action: created ? "create" : "update", version },
    });
    return info;
  }

  /**
   * The current value of `name`.
   *
   * @throws {VigilError} `E_NOT_FOUND`, `E_INVALID_NAME`
   */
  async getCredential(name: string): Promise<string> {
    assertCredentialName(name);
    const state = await this.#fresh();
    const entry = state.payload.entries.get(name);
    if (entry === undefined) throw notFound(name);

    await this.#emit({
      eventType: "credential_access",
      description: `credential ${name} read`,
      details: { credential: name, action: "get" },
    });
    return currentVersion(entry).value;
  }

  /** True when a credential named `name` exists. */
  async hasCredential(name: string): Promise<boolean> {
    assertCredentialName(name);
    return (await this.#fresh()).payload.entries.has(name);
  }

  /** Every credential's metadata, keyed by name, sorted by name; never a value. */
  async listCredentials(): Promise<Record<string, CredentialInfo>> {
    const state = await this.#fresh();
    const names = [...state.payload.entries.keys()].sort();
    return Object.fromEntries(names.map((name) => [name, this.#describe(state, name)]));
  }

  /**
   * Deletes `name` and all its versions.
   *
   * @throws {VigilError} `E_NOT_FOUND`
   */
  async deleteCredential(name: string): Promise<void> {
    assertCredentialName(name);
    await this.#commit((payload) => {
      if (!payload.entries.delete(name)) throw notFound(name);
    });
    await this.#emit({
      eventType: "credential_modify",
      description: `credential ${name} deleted`,
      details: { credential: name, action: "delete" },
    });
  }

  /**
   * The kept versions of `name`, oldest first, without values.
   *
   * @throws {VigilError} `E_NOT_FOUND`
   */
  async getHistory(name: string): Promise<CredentialVersionInfo[]> {
    assertCredentialName(name);
    const entry = (await this.#fresh()).payload.entries.get(name);
    if (entry === undefined) throw notFound(name);
    const current = currentVersion(entry).version;
    return entry.versions.map((stored) => ({
      version: stored.version,
      createdAt: stored.createdAt,
      current: stored.version === current,
      ...(stored.restoredFrom === undefined ? {} : { restoredFrom: stored.restoredFrom }),
    }));
  }

  /**
   * Makes an earlier value current again, as a new version (history stays linear, and the value
   * being replaced is kept as a backup). Default: the version before the current one.
   *
   * @throws {VigilError} `E_NOT_FOUND` for an unknown name or a version no longer kept.
   */
  async rollback(name: string, version?: number): Promise<CredentialInfo> {
    assertCredentialName(name);
    const { restored, info } = await this.#commit((payload) => {
      const entry = payload.entries.get(name);
      if (entry === undefined) throw notFound(name);
      const target = pickRollbackTarget(entry, name, version);
      this.#writeValue(payload, name, target.value, { extra: {} }, target.version);
      return { restored: target.version, info: this.#describe({ payload }, name) };
    });

    await this.#emit({
      eventType: "credential_modify",
      description: `credential ${name} rolled back to version ${restored}`,
      details: { credential: name, action: "rollback", restoredFrom: restored },
    });
    return info;
  }

  /**
   * Re-wraps the vault key under a new master password (with a new salt and the configured KDF
   * costs). The payload is re-encrypted with a fresh nonce but its key does not change.
   *
   * @throws {VigilError} `E_WEAK_PASSWORD` unless `allowWeakPassword`.
   */
  async changeMasterPassword(
    newPassword: string,
    options: { allowWeakPassword?: boolean } = {},
  ): Promise<void> {
    await assertStrongMasterPassword(
      newPassword,
      options.allowWeakPassword ?? this.#allowWeakPassword(),
    );
    const state = await this.#unlocked();
    const header = await wrapVaultKey(state.vaultKey, newPassword, this.#kdfForNewKeys());
    await this.#commit(() => {
      state.header = header;
    });
    await this.#emit({
      eventType: "credential_modify",
      severity: "high",
      description: "vault master password changed",
      details: { action: "change_master_password" },
    });
  }

  /**
   * Runs `work` on the latest stored state under the cross-process lock and writes the result
   * once. Used by the secrets manager to change a value and its policy atomically. If `work`
   * throws, nothing is written.
   */
  async transaction<T>(work: (tx: VaultTransaction) => T): Promise<T> {
    return this.#commit((payload) => {
      const tx: VaultTransaction = {
        get: (name) => {
          const entry = payload.entries.get(name);
          return entry === undefined ? undefined : currentVersion(entry).value;
        },
        has: (name) => payload.entries.has(name),
        set: (name, value, metadata = {}) => {
          assertCredentialName(name);
          assertCredentialValue(value, name);
          this.#writeValue(payload, name, value, normalizeMetadata(metadata, name));
        },
        section: (name) => structuredClone(payload.sections.get(name)),
        setSection: (name, data) => {
          payload.sections.set(name, structuredClone(data));
        },
        info: (name) => (payload.entries.has(name) ? this.#describe({ payload }, name) : undefined),
        rollback: (name, version) => {
          assertCredentialName(name);
          const entry = payload.entries.get(name);
          if (entry === undefined) throw notFound(name);
          const target = pickRollbackTarget(entry, name, version);
          this.#writeValue(payload, name, target.value, { extra: {} }, target.version);
          return target.version;
        },
      };
      return work(tx);
    });
  }

  /** A module's section of the encrypted payload (a deep copy), or `undefined`. */
  async readSection(name: string): Promise<unknown> {
    return structuredClone((await this.#fresh()).payload.sections.get(name));
  }

  /**
   * A 32-byte key for one purpose, derived from the vault key with HKDF-SHA256. Stable across
   * master password changes; unknown to anyone without the master password.
   *
   * @example
   * const sealKey = await vault.deriveSubkey("audit-seal");
   */
  async deriveSubkey(purpose: string): Promise<Buffer> {
    const state = await this.#unlocked();
    return hkdfSha256(state.vaultKey, `vigil/${purpose}`);
  }

  /** Forgets the vault key and decrypted data. Later calls throw `E_LOCKED`. */
  close(): void {
    this.#closed = true;
    this.#state?.vaultKey.fill(0);
    this.#state = undefined;
    this.#unlocking = undefined;
  }

  async #unlocked(): Promise<UnlockedState> {
    if (this.#closed) throw new VigilError("E_LOCKED", "the vault was closed; open it again");
    if (this.#state) return this.#state;
    this.#unlocking ??= this.#openOrCreate().catch((error: unknown) => {
      this.#unlocking = undefined;
      throw error;
    });
    this.#state = await this.#unlocking;
    return this.#state;
  }

  async #openOrCreate(): Promise<UnlockedState> {
    ensurePrivateDirectory(this.home);
    const password = resolveMasterPassword({
      explicit: this.#options.masterPassword,
      env: this.#options.env ?? process.env,
      file: this.#config.vault.masterPasswordFile,
    });
    if (existsSync(this.path)) return this.#openExisting(password);
    if (this.#options.create === false) {
      throw new VigilError("E_NOT_FOUND", `no vault at ${this.path}; create one with 'vigil init'`);
    }

    await assertStrongMasterPassword(password, this.#allowWeakPassword());
    const kdf = this.#kdfForNewKeys();
    return withFileLock(
      this.#lockPath,
      async () => {
        // Another process may have created it while we checked the password.
        if (existsSync(this.path)) return this.#openExisting(password);
        const vaultKey = randomKey(32);
        const state: UnlockedState = {
          vaultKey,
          header: await wrapVaultKey(vaultKey, password, kdf),
          payload: emptyPayload(toIso(this.#clock.now())),
          stamp: undefined,
        };
        await this.#write(state);
        return state;
      },
      { timeoutMs: this.#config.vault.lockTimeoutMs },
    );
  }

  async #openExisting(password: string): Promise<UnlockedState> {
    assertPrivate(this.path);
    const { stamp, bytes } = readSnapshot(this.path);
    const file = decodeVaultFile(bytes, this.path);
    const passwordKey = await deriveArgon2idKey(password, file.salt, file.kdf);
    const vaultKey = openAes256Gcm(
      passwordKey,
      { nonce: file.wrapNonce, ciphertext: file.wrappedKey, tag: file.wrapTag },
      file.wrapAad,
    );
    passwordKey.fill(0);
    if (vaultKey === null) {
      throw new VigilError(
        "E_WRONG_PASSWORD",
        `wrong master password for ${this.path} (or its key block was modified)`,
      );
    }
    return { vaultKey, ...this.#decryptFile(vaultKey, file), stamp };
  }

  #decryptFile(
    vaultKey: Buffer,
    file: ReturnType<typeof decodeVaultFile>,
  ): { header: VaultHeaderParts; payload: VaultPayload } {
    const plaintext = openAes256Gcm(
      vaultKey,
      { nonce: file.payloadNonce, ciphertext: file.payloadCiphertext, tag: file.payloadTag },
      file.payloadAad,
    );
    if (plaintext === null) {
      throw new VigilError(
        "E_INTEGRITY",
        `${this.path} was modified or damaged (authentication failed); restore it from a backup`,
      );
    }
    const header: VaultHeaderParts = {
      kdf: file.kdf,
      salt: Buffer.from(file.salt),
      wrapNonce: Buffer.from(file.wrapNonce),
      wrappedKey: Buffer.from(file.wrappedKey),
      wrapTag: Buffer.from(file.wrapTag),
    };
    return { header, payload: parsePayload(plaintext, this.path) };
  }

  /**
   * The unlocked state, reloaded if another process replaced the file since we last read it.
   * A stat and a 12-byte read per call are what keep reads correct across processes; together
   * they cost a few microseconds.
   */
  async #fresh(): Promise<UnlockedState> {
    const state = await this.#unlocked();
    let current: FileStamp;
    try {
      current = readStamp(this.path);
    } catch (error) {
      throw new VigilError("E_NOT_FOUND", `the vault ${this.path} disappeared; restore it`, {
        cause: error,
      });
    }
    if (state.stamp !== undefined && sameStamp(state.stamp, current)) return state;

    assertPrivate(this.path);
    const { stamp, bytes } = readSnapshot(this.path);
    const file = decodeVaultFile(bytes, this.path);
    // The vault key never changes (a password change only re-wraps it), so it opens the new file.
    const { header, payload } = this.#decryptFile(state.vaultKey, file);
    state.header = header;
    state.payload = payload;
    state.stamp = stamp;
    return state;
  }

  async #commit<T>(mutate: (payload: VaultPayload) => T): Promise<T> {
    await this.#unlocked();
    return withFileLock(
      this.#lockPath,
      async () => {
        const state = await this.#fresh();
        try {
          const result = mutate(state.payload);
          if (result instanceof Promise) {
            // Changes made after an await would land in memory but never on disk.
            throw new VigilError(
              "E_INVALID_ARGUMENT",
              "vault.transaction() work must be synchronous",
            );
          }
          await this.#write(state);
          return result;
        } catch (error) {
          // The payload may be half-changed in memory; the next read reloads it from disk.
          state.stamp = undefined;
          await this.#fresh();
          throw error;
        }
      },
      { timeoutMs: this.#config.vault.lockTimeoutMs },
    );
  }

  async #write(state: UnlockedState): Promise<void> {
    const plaintext = serializePayload(state.payload);
    // The AAD names the nonce and the ciphertext length (GCM keeps lengths), so both are fixed
    // before encryption.
    const nonce = randomKey(GCM_NONCE_BYTES);
    const aad = encodePayloadAad(state.header, nonce, plaintext.length);
    const sealed = sealAes256Gcm(state.vaultKey, plaintext, aad, nonce);
    // We hold the write lock, so a temp file beside the vault is a killed writer's leftover.
    removeStaleTempFiles(this.path);
    await replaceFileAtomically(this.path, encodeVaultFile(aad, sealed.ciphertext, sealed.tag));
    // Under the lock the file is still the one just written.
    state.stamp = stampOf(statSync(this.path), nonce);
  }

  #writeValue(
    payload: VaultPayload,
    name: string,
    value: string,
    metadata: NormalizedMetadata,
    restoredFrom?: number,
  ): StoredCredential {
    const now = toIso(this.#clock.now());
    const entry: StoredCredential = payload.entries.get(name) ?? {
      createdAt: now,
      updatedAt: now,
      tags: [],
      metadata: {},
      nextVersion: 1,
      versions: [],
    };
    markEntryChanged(entry);
    entry.versions.push({
      version: entry.nextVersion,
      value,
      createdAt: now,
      ...(restoredFrom === undefined ? {} : { restoredFrom }),
    });
    entry.nextVersion += 1;
    entry.updatedAt = now;
    const keep = this.#config.vault.maxBackupVersions + 1;
    if (entry.versions.length > keep) entry.versions.splice(0, entry.versions.length - keep);
    applyMetadata(entry, metadata);
    payload.entries.set(name, entry);
    return entry;
  }

  #describe(state: Pick<UnlockedState, "payload">, name: string): CredentialInfo {
    const entry = state.payload.entries.get(name);
    if (entry === undefined) throw notFound(name);
    const now = this.#clock.now();
    const expiresMs = entry.expires === undefined ? undefined : Date.parse(entry.expires);
    const warnMs = this.#config.vault.expiryWarningDays * DAY_MS;
    return {
      created: entry.createdAt,
      updated: entry.updatedAt,
      expires: entry.expires ?? null,
      tags: [...entry.tags],
      versions: entry.versions.length,
      currentVersion: currentVersion(entry).version,
      expired: expiresMs !== undefined && now >= expiresMs,
      expiring: expiresMs !== undefined && now < expiresMs && expiresMs - now <= warnMs,
      encrypted: true,
      metadata: structuredClone(entry.metadata),
    };
  }

  async #emit(event: AuditSinkEvent): Promise<void> {
    if (this.#options.audit) await this.#options.audit.record(event);
  }

  #allowWeakPassword(): boolean {
    return this.#options.allowWeakPassword ?? this.#config.vault.allowWeakPassword;
  }

  #kdfForNewKeys(): Argon2idParams {
    const kdf = this.#options.kdf ?? this.#config.vault.kdf;
    assertKdfAcceptable(kdf, "the configured vault.kdf");
    return kdf;
  }
}

interface NormalizedMetadata {
  expires?: string | null;
  tags?: string[];
  extra: Record<string, unknown>;
}

function normalizeMetadata(metadata: CredentialMetadata, name: string): NormalizedMetadata {
  const { expires, tags, ...extra } = metadata;
  const out: NormalizedMetadata = { extra: structuredClone(extra) };
  if (expires !== undefined) out.expires = expires === null ? null : normalizeExpiry(expires, name);
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== "string" || tag === "")) {
      throw new VigilError("E_INVALID_ARGUMENT", `tags for "${name}" must be non-empty strings`);
    }
    out.tags = [...new Set(tags)];
  }
  return out;
}

function normalizeExpiry(expires: string | Date, name: string): string {
  const text = expires instanceof Date ? expires.toISOString() : expires;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? Date.parse(`${text}T00:00:00.000Z`)
    : Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `expiry for "${name}" must be YYYY-MM-DD or an ISO-8601 time`,
    );
  }
  return new Date(ms).toISOString();
}

function applyMetadata(entry: StoredCredential, metadata: NormalizedMetadata): void {
  if (metadata.expires === null) delete entry.expires;
  else if (metadata.expires !== undefined) entry.expires = metadata.expires;
  if (metadata.tags !== undefined) entry.tags = metadata.tags;
  entry.metadata = { ...entry.metadata, ...metadata.extra };
}

function currentVersion(entry: StoredCredential) {
  const last = entry.versions[entry.versions.length - 1];
  if (last === undefined) throw new VigilError("E_INTEGRITY", "a credential has no value");
  return last;
}

function pickRollbackTarget(entry: StoredCredential, name: string, version: number | undefined) {
  const current = currentVersion(entry);
  const target =
    version === undefined
      ? entry.versions[entry.versions.length - 2]
      : entry.versions.find((stored) => stored.version === version);
  if (target === undefined) {
    const kept = entry.versions.map((stored) => stored.version).join(", ");
    throw new VigilError(
      "E_NOT_FOUND",
      version === undefined
        ? `"${name}" has no earlier version to roll back to`
        : `"${name}" keeps versions ${kept}; version ${version} is not one of them`,
    );
  }
  if (target.version === current.version) {
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `version ${version} of "${name}" is already current`,
    );
  }
  return target;
}

function notFound(name: string): VigilError {
  return new VigilError("E_NOT_FOUND", `no credential named "${name}"; see 'vigil vault list'`);
}

async function wrapVaultKey(
  vaultKey: Buffer,
  password: string,
  kdf: Argon2idParams,
): Promise<VaultHeaderParts> {
  const salt = randomKey(VAULT_SALT_BYTES);
  const passwordKey = await deriveArgon2idKey(password, salt, kdf);
  const sealed = sealAes256Gcm(passwordKey, vaultKey, encodeWrapAad(kdf, salt));
  passwordKey.fill(0);
  return {
    kdf: { ...kdf },
    salt,
    wrapNonce: sealed.nonce,
    wrappedKey: sealed.ciphertext,
    wrapTag: sealed.tag,
  };
}

function stampOf(stats: Stats, nonce: Buffer): FileStamp {
  return {
    ino: stats.ino,
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    nonce: nonce.toString("hex"),
  };
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return (
    a.nonce === b.nonce &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs
  );
}

/** The stamp of the file at `path`; stat and nonce come through one descriptor, so one file. */
function readStamp(path: string): FileStamp {
  const fd = openSync(path, "r");
  try {
    const nonce = Buffer.alloc(GCM_NONCE_BYTES);
    readSync(fd, nonce, 0, GCM_NONCE_BYTES, PAYLOAD_NONCE_OFFSET);
    return stampOf(fstatSync(fd), nonce);
  } finally {
    closeSync(fd);
  }
}

/** The whole file and its stamp, read through one descriptor so that both describe one file. */
function readSnapshot(path: string): { stamp: FileStamp; bytes: Buffer } {
  const fd = openSync(path, "r");
  try {
    const stats = fstatSync(fd);
    const bytes = readFileSync(fd);
    // subarray clamps, so a file too short to hold a nonce still yields a stamp (and then fails
    // to decode with E_INTEGRITY).
    const nonce = bytes.subarray(PAYLOAD_NONCE_OFFSET, PAYLOAD_NONCE_OFFSET + GCM_NONCE_BYTES);
    return { stamp: stampOf(stats, nonce), bytes };
  } finally {
    closeSync(fd);
  }
}
