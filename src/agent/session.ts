import { type CancelTimer, type Clock, systemClock, toIso } from "../clock.js";
import { constantTimeEqual, randomKey, sha256 } from "../crypto/index.js";
import { VigilError } from "../errors.js";
import type { EncryptedVault } from "../vault/index.js";

/** Why the session is locked. */
export type LockReason = "not-unlocked" | "idle" | "max-age" | "request" | "shutdown";

/** Opens (and unlocks) the vault with a master password; throws `E_WRONG_PASSWORD` if wrong. */
export type VaultOpener = (masterPassword: string) => Promise<EncryptedVault>;

/** Options for {@link AgentSession}. */
export interface AgentSessionOptions {
  /** Opens the vault; also used to check a password for re-authentication. */
  readonly open: VaultOpener;
  /** Default: {@link systemClock}. */
  readonly clock?: Clock;
  /** Lock after this long without a vault operation. Default 30 minutes. */
  readonly idleTimeoutMs?: number;
  /** Lock this long after unlocking, used or not. Default 24 hours. */
  readonly maxSessionMs?: number;
  /** Sensitive operations need the master password again. Default true. */
  readonly reauthForSensitive?: boolean;
  /** How long a re-auth token stays valid. Default 60 seconds. */
  readonly reauthTokenMs?: number;
  /** Told whenever the session locks (for the agent's log and audit trail). */
  readonly onLock?: (reason: LockReason) => void;
}

/** What {@link AgentSession.status} reports; times are ISO-8601 UTC. */
export interface SessionStatus {
  readonly locked: boolean;
  readonly lockReason: LockReason | null;
  readonly unlockedAt: string | null;
  readonly lastUsedAt: string | null;
  /** Milliseconds until the idle lock; null when locked. */
  readonly idleMsLeft: number | null;
  /** Milliseconds until the max-age lock; null when locked. */
  readonly maxAgeMsLeft: number | null;
  readonly idleTimeoutMs: number;
  readonly maxSessionMs: number;
  readonly reauthForSensitive: boolean;
}

/** Proof of the master password offered with a sensitive request. */
export interface ReauthProof {
  readonly password?: string | undefined;
  readonly token?: string | undefined;
}

interface Unlocked {
  readonly vault: EncryptedVault;
  readonly unlockedAt: number;
  lastUsedAt: number;
  cancelIdle: CancelTimer;
  readonly cancelMaxAge: CancelTimer;
}

const MINUTE_MS = 60_000;

/**
 * The agent's hold on the unlocked vault, with the design's session rules: the vault locks
 * itself (its key wiped by `vault.close()`) after an idle timeout and at a maximum age, and
 * sensitive operations need the master password again even while unlocked.
 *
 * Expiry is enforced twice: by timers, so the key leaves memory on time, and by a time check on
 * every use, because timers run late when a laptop sleeps or the event loop is busy.
 *
 * @example
 * const session = new AgentSession({ open: (password) => openVault(password), clock });
 * await session.unlock(password);
 * const value = await session.useVault((vault) => vault.getCredential("api_key"));
 */
export class AgentSession {
  readonly #open: VaultOpener;
  readonly #clock: Clock;
  readonly #idleTimeoutMs: number;
  readonly #maxSessionMs: number;
  readonly #reauthForSensitive: boolean;
  readonly #reauthTokenMs: number;
  readonly #onLock: ((reason: LockReason) => void) | undefined;
  /** Hashes of live re-auth tokens and when each expires; a token is used once. */
  readonly #tokens = new Map<string, number>();
  #unlocked: Unlocked | undefined;
  #lockReason: LockReason = "not-unlocked";
  #unlocking: Promise<void> | undefined;

  constructor(options: AgentSessionOptions) {
    this.#open = options.open;
    this.#clock = options.clock ?? systemClock;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30 * MINUTE_MS;
    this.#maxSessionMs = options.maxSessionMs ?? 24 * 60 * MINUTE_MS;
    this.#reauthForSensitive = options.reauthForSensitive ?? true;
    this.#reauthTokenMs = options.reauthTokenMs ?? MINUTE_MS;
    this.#onLock = options.onLock;
  }

  /** True while the vault key is in memory. */
  get locked(): boolean {
    this.#expireIfDue();
    return this.#unlocked === undefined;
  }

  /**
   * Unlocks with the master password (one key derivation). Unlocking an unlocked session checks
   * the password and starts a new session.
   *
   * @throws {VigilError} `E_WRONG_PASSWORD`, or whatever opening the vault throws.
   */
  async unlock(masterPassword: string): Promise<void> {
    if (this.#unlocking) await this.#unlocking.catch(() => undefined);
    const attempt = this.#open(masterPassword).then((vault) => {
      this.lock("request");
      this.#begin(vault);
    });
    this.#unlocking = attempt;
    try {
      await attempt;
    } finally {
      if (this.#unlocking === attempt) this.#unlocking = undefined;
    }
  }

  /** Wipes the vault key now. Safe to call when already locked. */
  lock(reason: LockReason): void {
    const unlocked = this.#unlocked;
    this.#tokens.clear();
    if (unlocked === undefined) return;
    this.#unlocked = undefined;
    this.#lockReason = reason;
    unlocked.cancelIdle();
    unlocked.cancelMaxAge();
    unlocked.vault.close();
    this.#onLock?.(reason);
  }

  /**
   * Runs `work` with the unlocked vault and counts it as use (resets the idle timer), unless
   * `touch` is false: background work (the rotation watcher) must not keep the vault open.
   *
   * @throws {VigilError} `E_LOCKED` when the session is locked or expired.
   */
  async useVault<T>(
    work: (vault: EncryptedVault) => Promise<T>,
    options: { touch?: boolean } = {},
  ): Promise<T> {
    this.#expireIfDue();
    const unlocked = this.#unlocked;
    if (unlocked === undefined) throw lockedError(this.#lockReason);
    if (options.touch !== false) this.#touch(unlocked);
    return work(unlocked.vault);
  }

  /**
   * Checks the proof for a sensitive operation; does nothing when re-auth is turned off.
   *
   * @throws {VigilError} `E_REAUTH_REQUIRED` without a valid proof, `E_WRONG_PASSWORD` for a
   * wrong password, `E_LOCKED` when locked.
   */
  async requireReauth(proof: ReauthProof): Promise<void> {
    if (this.locked) throw lockedError(this.#lockReason);
    if (!this.#reauthForSensitive) return;
    if (proof.token !== undefined && this.#consumeToken(proof.token)) return;
    if (proof.password !== undefined && proof.password !== "") {
      await this.verifyPassword(proof.password);
      return;
    }
    throw new VigilError(
      "E_REAUTH_REQUIRED",
      "this operation needs the master password again: send it base64-encoded in " +
        "X-Vigil-Reauth, or a token from POST /v1/session/reauth in X-Vigil-Reauth-Token",
    );
  }

  /**
   * Checks a master password by opening the vault with it (a full key derivation, so it also
   * holds after a password change made elsewhere).
   *
   * @throws {VigilError} `E_WRONG_PASSWORD`
   */
  async verifyPassword(masterPassword: string): Promise<void> {
    const probe = await this.#open(masterPassword);
    probe.close();
  }

  /**
   * Checks the password and returns a single-use token that stands for it for a short time,
   * so a client can re-authenticate without sending the password with every request.
   *
   * @throws {VigilError} `E_WRONG_PASSWORD`, `E_LOCKED`
   */
  async issueReauthToken(masterPassword: string): Promise<{ token: string; expiresAt: string }> {
    if (this.locked) throw lockedError(this.#lockReason);
    await this.verifyPassword(masterPassword);
    const token = randomKey(32).toString("base64url");
    const expiresAtMs = this.#clock.now() + this.#reauthTokenMs;
    this.#tokens.set(sha256(token).toString("hex"), expiresAtMs);
    return { token, expiresAt: toIso(expiresAtMs) };
  }

  /** The session's state, for `vigil agent status`. */
  status(): SessionStatus {
    this.#expireIfDue();
    const now = this.#clock.now();
    const unlocked = this.#unlocked;
    return {
      locked: unlocked === undefined,
      lockReason: unlocked === undefined ? this.#lockReason : null,
      unlockedAt: unlocked === undefined ? null : toIso(unlocked.unlockedAt),
      lastUsedAt: unlocked === undefined ? null : toIso(unlocked.lastUsedAt),
      idleMsLeft:
        unlocked === undefined
          ? null
          : Math.max(0, unlocked.lastUsedAt + this.#idleTimeoutMs - now),
      maxAgeMsLeft:
        unlocked === undefined ? null : Math.max(0, unlocked.unlockedAt + this.#maxSessionMs - now),
      idleTimeoutMs: this.#idleTimeoutMs,
      maxSessionMs: this.#maxSessionMs,
      reauthForSensitive: this.#reauthForSensitive,
    };
  }

  /*
   * A timer that fires locks without consulting the wall clock: it was armed for the full
   * timeout at the last use (idle) or at unlock (max age), and system timers count elapsed time,
   * so a wall clock set backwards cannot keep the key in memory past either limit. The time
   * check on every use covers the other direction (a clock or a laptop jumping forwards).
   */
  #begin(vault: EncryptedVault): void {
    const now = this.#clock.now();
    const unlocked: Unlocked = {
      vault,
      unlockedAt: now,
      lastUsedAt: now,
      cancelIdle: this.#clock.setTimer(() => this.lock("idle"), this.#idleTimeoutMs),
      cancelMaxAge: this.#clock.setTimer(() => this.lock("max-age"), this.#maxSessionMs),
    };
    this.#unlocked = unlocked;
  }

  #touch(unlocked: Unlocked): void {
    unlocked.lastUsedAt = this.#clock.now();
    unlocked.cancelIdle();
    unlocked.cancelIdle = this.#clock.setTimer(() => this.lock("idle"), this.#idleTimeoutMs);
  }

  #expireIfDue(): void {
    const unlocked = this.#unlocked;
    if (unlocked === undefined) return;
    const now = this.#clock.now();
    if (now - unlocked.unlockedAt >= this.#maxSessionMs) this.lock("max-age");
    else if (now - unlocked.lastUsedAt >= this.#idleTimeoutMs) this.lock("idle");
  }

  #consumeToken(token: string): boolean {
    const now = this.#clock.now();
    const offered = sha256(token).toString("hex");
    let valid = false;
    for (const [hash, expiresAtMs] of this.#tokens) {
      if (expiresAtMs <= now) {
        this.#tokens.delete(hash);
      } else if (constantTimeEqual(hash, offered)) {
        this.#tokens.delete(hash);
        valid = true;
      }
    }
    return valid;
  }
}

function lockedError(reason: LockReason): VigilError {
  const why =
    reason === "idle"
      ? "it locked itself after the idle timeout"
      : reason === "max-age"
        ? "it locked itself at the maximum session age"
        : reason === "not-unlocked"
          ? "it has not been unlocked"
          : "it was locked";
  return new VigilError(
    "E_LOCKED",
    `the agent's vault is locked (${why}); run 'vigil agent unlock'`,
  );
}
