import { hostname, userInfo } from "node:os";
import type { AuditSink, AuditSinkEvent } from "../audit-sink.js";
import { type Clock, systemClock, toIso } from "../clock.js";
import { loadConfig, type VigilConfig } from "../config/index.js";
import { constantTimeEqual, randomKey } from "../crypto/index.js";
import { VigilError } from "../errors.js";
import {
  assertCredentialName,
  assertCredentialValue,
  type CredentialInfo,
  type EncryptedVault,
  type VaultTransaction,
} from "../vault/index.js";
import { buildPolicy, type RegisterSecretOptions } from "./register-options.js";
import {
  appendHistory,
  FINGERPRINT_PURPOSE,
  fingerprintSecret,
  type RotationHistoryEntry,
  type RotationStep,
  type RotationTrigger,
} from "./rotation-history.js";
import {
  noticeDaysFor,
  type PolicySource,
  policyFromConfig,
  policyToConfigEntry,
  type RotationPolicy,
} from "./rotation-policy.js";
import { computeSchedule, DAY_MS } from "./rotation-schedule.js";
import {
  type DueRotation,
  describeRotationStatus,
  type NeedsHumanReason,
  type RotationStatus,
} from "./rotation-status.js";
import { RotationWatcher, type WatcherListener, type WatchOutcome } from "./rotation-watcher.js";
import { runRotatorFunction, runVerifierFunction } from "./rotators/callback-rotator.js";
import { commandRotator, commandVerifier } from "./rotators/command-rotator.js";
import { generateSecretValue } from "./rotators/generate-rotator.js";
import type { Rotator, Verifier } from "./rotators/rotator.js";
import {
  claimAlive,
  parseSecretsSection,
  type RotationClaim,
  readSecretsSection,
  SECRETS_SECTION,
  type SecretState,
  type SecretsSectionData,
  writeSecretsSection,
} from "./secrets-section.js";

/** Options for {@link SecretsManager}; each defaults from config. */
export interface SecretsManagerOptions {
  /** Default: `loadConfig()`. */
  readonly config?: VigilConfig;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Receives registration, rotation and rollback events (credential_modify, credential_rotate). */
  readonly audit?: AuditSink;
  /** Timeout of command rotators and verifiers; default `secretsRotation.commandTimeoutMs`. */
  readonly commandTimeoutMs?: number;
  /** Who is recorded in history and audit events. Default: the OS user name. */
  readonly actor?: string;
}

/** What a successful rotation did. */
export interface RotationResult {
  readonly name: string;
  /** The vault version that is now current. */
  readonly version: number;
  readonly previousVersion: number | null;
  readonly fingerprint: string;
  readonly rotatedAt: string;
  /** `onRotate` callbacks that threw (the rotation itself stands). */
  readonly callbackFailures: number;
}

/** What a rollback did. */
export interface RollbackResult {
  readonly name: string;
  readonly version: number;
  readonly restoredFrom: number;
  readonly fingerprint: string;
}

/** Receives each rotated value; use it to revoke `oldValue` at the provider. */
export type RotateCallback = (
  name: string,
  newValue: string,
  oldValue: string | undefined,
) => void | Promise<void>;

/** The policies, in the shape of the config file's `secretsRotation` section. */
export interface SecretsRotationExport {
  readonly enableRotation: boolean;
  readonly checkIntervalHours: number;
  readonly notifyDaysBefore: number;
  readonly defaultRotationDays: number;
  readonly secrets: Record<string, Record<string, unknown>>;
}

/** Options for {@link SecretsManager.startAutoRotation}. */
export interface AutoRotationOptions {
  /** Hours between checks. Default: config `secretsRotation.checkIntervalHours` (24). */
  readonly intervalHours?: number;
  readonly onEvent?: WatcherListener;
}

interface RotateRequest {
  readonly trigger: RotationTrigger;
  readonly newValue?: string;
  readonly onlyIfDue: boolean;
  readonly expires?: string | Date | null;
}

type Begun =
  | {
      readonly kind: "claimed";
      readonly policy: RotationPolicy;
      readonly oldValue: string | undefined;
      readonly oldVersion: number | null;
    }
  | { readonly kind: "skipped"; readonly reason: "claimed" | "not_due" | "unregistered" };

type Attempt =
  | { readonly status: "rotated"; readonly result: RotationResult }
  | { readonly status: "skipped"; readonly reason: "claimed" | "not_due" | "unregistered" }
  | {
      readonly status: "failed";
      readonly step: RotationStep;
      readonly reason: string;
      readonly error: VigilError;
    };

/** Extra time a claim lives beyond the rotator's and verifier's timeouts. */
const CLAIM_MARGIN_MS = 60_000;

/**
 * Scheduled rotation of the credentials in an {@link EncryptedVault}. Policies, per-secret state
 * and history live encrypted inside the vault (its `secrets` section), so they survive restarts
 * and every process using the vault sees the same. A rotation stages the new value outside the
 * vault lock, verifies it, then promotes it with a compare-and-set; the old value stays as a
 * backup version for {@link rollbackSecret}.
 *
 * @example
 * const manager = new SecretsManager(vault, { audit });
 * await manager.registerSecret("test_secret", { rotationDays: 30 });
 * (await manager.getRotationStatus("test_secret")).enabled; // true
 * await manager.rotateSecret("test_secret", "new_value");
 */
export class SecretsManager {
  readonly #vault: EncryptedVault;
  readonly #config: VigilConfig;
  readonly #clock: Clock;
  readonly #audit: AuditSink | undefined;
  readonly #commandTimeoutMs: number;
  readonly #actor: string;
  readonly #claimOwner = `${hostname()}:${process.pid}`;
  readonly #rotatorFunctions = new Map<string, Rotator>();
  readonly #verifierFunctions = new Map<string, Verifier>();
  readonly #callbacks = new Set<RotateCallback>();
  #fingerprintKey: Buffer | undefined;
  #watcher: RotationWatcher | undefined;

  constructor(vault: EncryptedVault, options: SecretsManagerOptions = {}) {
    this.#vault = vault;
    this.#config = options.config ?? loadConfig();
    this.#clock = options.clock ?? systemClock;
    this.#audit = options.audit;
    this.#commandTimeoutMs =
      options.commandTimeoutMs ?? this.#config.secretsRotation.commandTimeoutMs;
    this.#actor = options.actor ?? currentUser();
  }

  /**
   * Puts `name` under a rotation policy (replacing any earlier one). The credential need not
   * exist yet: a secret without a value is due at once, and its first rotation sets it.
   *
   * @throws {VigilError} `E_INVALID_NAME`, `E_INVALID_ARGUMENT` (days, length, a command rotator
   * without a command, `autoRotate` with a manual rotator).
   * @example
   * await manager.registerSecret("webhook_secret", {
   *   rotationDays: 30, autoRotate: true, rotator: { kind: "generate", length: 48 },
   * });
   */
  async registerSecret(name: string, options: RegisterSecretOptions = {}): Promise<RotationStatus> {
    assertCredentialName(name);
    const policy = buildPolicy(name, options, this.#config);
    const at = toIso(this.#clock.now());

    await this.#vault.transaction((tx) => {
      const section = readSecretsSection(tx);
      section.policies.set(name, { ...policy, registeredAt: at, registeredBy: this.#actor });
      if (!section.states.has(name)) section.states.set(name, { rotationCount: 0 });
      this.#appendHistory(section, name, { at, action: "register", outcome: "success" });
      writeSecretsSection(tx, section);
    });
    this.#rememberFunctions(name, options);

    await this.#emit({
      eventType: "credential_modify",
      severity: "medium",
      description: `secret ${name} registered for rotation every ${policy.rotationDays} days`,
      details: {
        credential: name,
        action: "register_rotation",
        rotationDays: policy.rotationDays,
        autoRotate: policy.autoRotate,
        rotator: policy.rotator.kind,
      },
    });
    return this.getRotationStatus(name);
  }

  /**
   * Removes the rotation policy of `name`. The credential and its history stay.
   *
   * @throws {VigilError} `E_NOT_FOUND` when no policy is registered (a policy from the config
   * file is removed there), `E_ROTATION_IN_PROGRESS`.
   */
  async unregisterSecret(name: string): Promise<void> {
    assertCredentialName(name);
    const at = toIso(this.#clock.now());
    await this.#vault.transaction((tx) => {
      const section = readSecretsSection(tx);
      if (!section.policies.has(name)) {
        const fromConfig = policyFromConfig(this.#config, name) !== undefined;
        throw new VigilError(
          "E_NOT_FOUND",
          fromConfig
            ? `the policy of "${name}" comes from secretsRotation.secrets in the config file; ` +
                "remove it there"
            : `"${name}" is not registered for rotation; see 'vigil secrets status'`,
        );
      }
      this.#assertNotClaimed(name, section.states.get(name)?.claim);
      section.policies.delete(name);
      section.states.delete(name);
      this.#appendHistory(section, name, { at, action: "unregister", outcome: "success" });
      writeSecretsSection(tx, section);
    });
    this.#rotatorFunctions.delete(name);
    this.#verifierFunctions.delete(name);

    await this.#emit({
      eventType: "credential_modify",
      severity: "medium",
      description: `secret ${name} no longer rotated`,
      details: { credential: name, action: "unregister_rotation" },
    });
  }

  /**
   * Names of the secrets due for rotation now, sorted; with `includeSoon`, also those due within
   * their notice window. A credential with an `expires` date counts even without a policy.
   *
   * @example
   * await manager.checkDueRotations(); // ["openai_api_key"]
   * await manager.checkDueRotations({ includeSoon: true }); // ["gemini_api_key", "openai_api_key"]
   */
  async checkDueRotations(options: { includeSoon?: boolean } = {}): Promise<string[]> {
    return (await this.dueRotations(options)).map((due) => due.name);
  }

  /** Like {@link checkDueRotations}, with the details of each secret. */
  async dueRotations(options: { includeSoon?: boolean } = {}): Promise<DueRotation[]> {
    const { section, credentials } = await this.#snapshot();
    const nowMs = this.#clock.now();
    const due: DueRotation[] = [];

    for (const [name, { policy, source }] of this.#policiesInEffect(section, credentials)) {
      const status = this.#status(name, policy, source, section, credentials.get(name), nowMs);
      if (status.state === "ok" || status.reason === null) continue;
      if (status.state === "soon" && options.includeSoon !== true) continue;
      due.push({
        name,
        state: status.state,
        reason: status.reason,
        nextRotation: status.nextRotation,
        daysUntilRotation: status.daysUntilRotation,
        source,
        autoRotate: policy.autoRotate,
        needsHuman: this.#needsHuman(name, policy),
      });
    }
    due.push(...this.#expiringWithoutPolicy(section, credentials, nowMs, options));
    return due.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Rotates `name` now. With `newValue`, that value becomes current; without, the registered
   * rotator makes one. The value is verified (if a verify step is registered) and promoted only
   * if nobody changed the secret meanwhile. On any failure the active value stays, and the
   * failure is recorded in the status, the history and the audit trail.
   *
   * A rotation replaces the credential's `expires` date: the old date belonged to the old value.
   * Pass `options.expires` to set the new value's expiry.
   *
   * @throws {VigilError} `E_NOT_FOUND` (not registered), `E_INVALID_VALUE` (a bad `newValue`,
   * nothing recorded), `E_INVALID_ARGUMENT` (no value and no rotator), `E_ROTATION_IN_PROGRESS`,
   * `E_ROTATION_FAILED`.
   * @example
   * await manager.rotateSecret("test_secret", "new_value");
   * await manager.rotateSecret("webhook_secret"); // its generate rotator makes the value
   */
  async rotateSecret(
    name: string,
    newValue?: string,
    options: { expires?: string | Date | null } = {},
  ): Promise<RotationResult> {
    assertCredentialName(name);
    if (newValue !== undefined) assertCredentialValue(newValue, name);

    const attempt = await this.#rotate(name, {
      trigger: "manual",
      onlyIfDue: false,
      ...(newValue === undefined ? {} : { newValue }),
      ...(options.expires === undefined ? {} : { expires: options.expires }),
    });
    if (attempt.status === "failed") throw attempt.error;
    if (attempt.status === "skipped") {
      throw new VigilError("E_ROTATION_FAILED", `the rotation of "${name}" did not run`);
    }
    return attempt.result;
  }

  /**
   * Rotates `name` with its rotator only if, under the vault lock, it is still due and nobody
   * else is rotating it: the step two watchers (in any processes) can both take safely, since
   * only one of them gets the claim. Never throws for a failed rotation; it reports it.
   */
  async rotateIfDue(name: string): Promise<WatchOutcome> {
    assertCredentialName(name);
    const attempt = await this.#rotate(name, { trigger: "watcher", onlyIfDue: true });
    if (attempt.status === "failed") {
      return { status: "failed", name, step: attempt.step, reason: attempt.reason };
    }
    if (attempt.status === "skipped") return { status: "skipped", name, reason: attempt.reason };
    return { status: "rotated", name, result: attempt.result };
  }

  /**
   * The rotation status of one secret, or of every secret under a policy (registered ones, and
   * config policies whose credential exists), keyed by name.
   *
   * @throws {VigilError} `E_NOT_FOUND` when `name` has no policy.
   * @example
   * const { enabled, rotationDays, daysUntilRotation } = await manager.getRotationStatus("k");
   */
  async getRotationStatus(): Promise<Record<string, RotationStatus>>;
  async getRotationStatus(name: string): Promise<RotationStatus>;
  async getRotationStatus(name?: string): Promise<RotationStatus | Record<string, RotationStatus>> {
    const { section, credentials } = await this.#snapshot();
    const nowMs = this.#clock.now();

    if (name !== undefined) {
      assertCredentialName(name);
      const found = this.#policyFor(section, name, credentials.has(name));
      if (found === undefined) throw notRegistered(name);
      return this.#status(name, found.policy, found.source, section, credentials.get(name), nowMs);
    }
    const all = [...this.#policiesInEffect(section, credentials)].map(
      ([key, { policy, source }]) =>
        [key, this.#status(key, policy, source, section, credentials.get(key), nowMs)] as const,
    );
    return Object.fromEntries(all);
  }

  /**
   * What happened to `name`, oldest first: registrations, rotations (with outcome, trigger,
   * actor and a keyed fingerprint of the new value) and rollbacks. Never a value.
   */
  async getRotationHistory(name: string): Promise<RotationHistoryEntry[]> {
    assertCredentialName(name);
    const { section } = await this.#snapshot();
    return [...(section.history.get(name) ?? [])];
  }

  /**
   * Makes an earlier value of `name` current again (default: the one before the current), as a
   * new version, so the value being replaced stays available too. `onRotate` callbacks are not
   * called: a rollback undoes a rotation rather than making a new key.
   *
   * @throws {VigilError} `E_NOT_FOUND` (no credential, or a version no longer kept),
   * `E_ROTATION_IN_PROGRESS`.
   * @example
   * await manager.rollbackSecret("openai_api_key"); // back to the previous key
   */
  async rollbackSecret(name: string, version?: number): Promise<RollbackResult> {
    assertCredentialName(name);
    if (version !== undefined && (!Number.isInteger(version) || version < 1)) {
      throw new VigilError("E_INVALID_ARGUMENT", "a version is a whole number from 1");
    }
    const key = await this.#fingerprintSubkey();
    const at = toIso(this.#clock.now());

    const result = await this.#vault.transaction((tx) => {
      const section = readSecretsSection(tx);
      this.#assertNotClaimed(name, section.states.get(name)?.claim);
      const restoredFrom = tx.rollback(name, version);
      const current = currentOf(tx, name);
      const fingerprint = fingerprintSecret(key, name, current.value);
      this.#appendHistory(section, name, {
        at,
        action: "rollback",
        outcome: "success",
        version: current.version,
        restoredFrom,
        fingerprint,
      });
      writeSecretsSection(tx, section);
      return { name, version: current.version, restoredFrom, fingerprint };
    });

    await this.#emit({
      eventType: "credential_rotate",
      severity: "high",
      description: `secret ${name} rolled back to the value of version ${result.restoredFrom}`,
      details: { credential: name, action: "rollback", outcome: "success", ...result },
    });
    return result;
  }

  /**
   * Calls `callback(name, newValue, oldValue)` after each successful rotation in this process,
   * for example to revoke the old key. A callback that throws is reported to the audit trail; the
   * rotation stands. Returns a function that removes the callback.
   *
   * @example
   * manager.onRotate(async (name, _new, old) => { if (old) await provider.revoke(old); });
   */
  onRotate(callback: RotateCallback): () => void {
    this.#callbacks.add(callback);
    return () => {
      this.#callbacks.delete(callback);
    };
  }

  /**
   * The rotation policies in effect (config ones, overridden by registered ones) in the shape of
   * the config file's `secretsRotation` section. Never a value.
   */
  async exportConfig(): Promise<SecretsRotationExport> {
    const { section } = await this.#snapshot();
    const rotation = this.#config.secretsRotation;
    const names = new Set([...Object.keys(rotation.secrets), ...section.policies.keys()]);
    const secrets = [...names].sort().map((name) => {
      const policy = section.policies.get(name) ?? policyFromConfig(this.#config, name);
      return [name, policyToConfigEntry(policy as RotationPolicy)] as const;
    });
    return {
      enableRotation: rotation.enableRotation,
      checkIntervalHours: rotation.checkIntervalHours,
      notifyDaysBefore: rotation.notifyDaysBefore,
      defaultRotationDays: rotation.defaultRotationDays,
      secrets: Object.fromEntries(secrets),
    };
  }

  /**
   * Starts the watcher: a check now, then every `intervalHours` on the manager's clock. It
   * rotates what is due and marked `autoRotate`, and reports what needs a person through
   * `onEvent` (and {@link RotationWatcher.on}). With `enableRotation` off it only reports.
   *
   * @throws {VigilError} `E_INVALID_ARGUMENT` when already started or for a bad interval.
   * @example
   * const watcher = manager.startAutoRotation({ intervalHours: 6, onEvent: (e) => log(e) });
   */
  startAutoRotation(options: AutoRotationOptions = {}): RotationWatcher {
    if (this.#watcher?.running) {
      throw new VigilError("E_INVALID_ARGUMENT", "auto rotation is already running");
    }
    const watcher = new RotationWatcher(this, {
      clock: this.#clock,
      intervalHours: options.intervalHours ?? this.#config.secretsRotation.checkIntervalHours,
    });
    if (options.onEvent) watcher.on(options.onEvent);
    this.#watcher = watcher;
    watcher.start();
    return watcher;
  }

  /** Stops the watcher; resolves once a check in progress has finished. */
  async stopAutoRotation(): Promise<void> {
    const watcher = this.#watcher;
    this.#watcher = undefined;
    await watcher?.stop();
  }

  #rememberFunctions(name: string, options: RegisterSecretOptions): void {
    if (typeof options.rotator === "function") this.#rotatorFunctions.set(name, options.rotator);
    else this.#rotatorFunctions.delete(name);
    if (typeof options.verify === "function") this.#verifierFunctions.set(name, options.verify);
    else this.#verifierFunctions.delete(name);
  }

  async #rotate(name: string, request: RotateRequest): Promise<Attempt> {
    const key = await this.#fingerprintSubkey();
    const claimId = randomKey(16).toString("hex");

    const begun = await this.#vault.transaction((tx) => this.#claim(tx, name, claimId, request));
    if (begun.kind === "skipped") return { status: "skipped", reason: begun.reason };
    const { policy, oldValue, oldVersion } = begun;

    // Staging runs outside the vault lock: a command may take seconds, and readers and other
    // secrets must not wait for it. The claim keeps other rotators of this secret away.
    let newValue: string;
    let step: RotationStep = "rotator";
    try {
      newValue = request.newValue ?? (await this.#produce(name, policy, oldValue));
      assertCredentialValue(newValue, name);
      if (oldValue !== undefined && constantTimeEqual(newValue, oldValue)) {
        throw new VigilError(
          "E_ROTATION_FAILED",
          `the new value of "${name}" equals the active one; a rotation must change it`,
        );
      }
      step = "verify";
      await this.#verify(name, policy, newValue);
    } catch (error) {
      return this.#recordFailure(name, claimId, step, error, request.trigger);
    }

    let promoted: Omit<RotationResult, "callbackFailures">;
    try {
      promoted = await this.#vault.transaction((tx) =>
        this.#promote(tx, name, claimId, { oldValue, oldVersion, newValue, key, request }),
      );
    } catch (error) {
      return this.#recordFailure(name, claimId, "promote", error, request.trigger);
    }

    await this.#emit({
      eventType: "credential_rotate",
      severity: "medium",
      description: `secret ${name} rotated to version ${promoted.version}`,
      details: {
        credential: name,
        action: "rotate",
        outcome: "success",
        trigger: request.trigger,
        version: promoted.version,
        previousVersion: promoted.previousVersion,
        fingerprint: promoted.fingerprint,
      },
    });
    const callbackFailures = await this.#notify(name, newValue, oldValue);
    return { status: "rotated", result: { ...promoted, callbackFailures } };
  }

  /** Phase one, under the vault lock: re-check, then record a claim before the slow part. */
  #claim(tx: VaultTransaction, name: string, claimId: string, request: RotateRequest): Begun {
    const section = readSecretsSection(tx);
    const found = this.#policyFor(section, name, tx.has(name));
    const watcher = request.trigger === "watcher";
    if (found === undefined) {
      if (watcher) return { kind: "skipped", reason: "unregistered" };
      throw notRegistered(name);
    }
    const { policy } = found;
    const nowMs = this.#clock.now();
    const state = section.states.get(name) ?? { rotationCount: 0 };
    if (watcher && claimAlive(state.claim, nowMs)) return { kind: "skipped", reason: "claimed" };
    this.#assertNotClaimed(name, state.claim);

    const info = tx.info(name);
    if (request.onlyIfDue) {
      const schedule = computeSchedule({
        rotationDays: policy.rotationDays,
        noticeDays: noticeDaysFor(policy, this.#config),
        valueSetAt: info?.updated,
        expires: info?.expires ?? null,
        nowMs,
      });
      if (schedule.state !== "due") return { kind: "skipped", reason: "not_due" };
    }
    if (request.newValue === undefined) this.#assertCanProduce(name, policy);

    const claim: RotationClaim = {
      id: claimId,
      by: this.#claimOwner,
      at: toIso(nowMs),
      expiresAt: toIso(nowMs + this.#claimLifetimeMs(policy)),
    };
    section.states.set(name, { ...state, claim });
    writeSecretsSection(tx, section);
    return {
      kind: "claimed",
      policy,
      oldValue: tx.get(name),
      oldVersion: info?.currentVersion ?? null,
    };
  }

  /** Phase three, under the vault lock: compare-and-set, then record. */
  #promote(
    tx: VaultTransaction,
    name: string,
    claimId: string,
    staged: {
      oldValue: string | undefined;
      oldVersion: number | null;
      newValue: string;
      key: Buffer;
      request: RotateRequest;
    },
  ): Omit<RotationResult, "callbackFailures"> {
    const section = readSecretsSection(tx);
    const state = section.states.get(name);
    if (state?.claim?.id !== claimId) {
      throw new VigilError(
        "E_ROTATION_FAILED",
        `the rotation of "${name}" took longer than its claim and another one took over`,
      );
    }
    const active = tx.get(name);
    const unchanged =
      active === undefined || staged.oldValue === undefined
        ? active === staged.oldValue
        : constantTimeEqual(active, staged.oldValue);
    if (!unchanged) {
      throw new VigilError(
        "E_ROTATION_FAILED",
        `"${name}" was changed by someone else during the rotation; run the rotation again`,
      );
    }

    const at = toIso(this.#clock.now());
    const { expires } = staged.request;
    const hadExpiry = (tx.info(name)?.expires ?? null) !== null;
    tx.set(
      name,
      staged.newValue,
      expires !== undefined ? { expires } : hadExpiry ? { expires: null } : {},
    );
    const version = currentOf(tx, name).version;
    const fingerprint = fingerprintSecret(staged.key, name, staged.newValue);
    section.states.set(name, { rotationCount: state.rotationCount + 1, lastRotation: at });
    this.#appendHistory(section, name, {
      at,
      action: "rotate",
      outcome: "success",
      trigger: staged.request.trigger,
      version,
      fingerprint,
    });
    writeSecretsSection(tx, section);
    return { name, version, previousVersion: staged.oldVersion, fingerprint, rotatedAt: at };
  }

  async #recordFailure(
    name: string,
    claimId: string,
    step: RotationStep,
    error: unknown,
    trigger: RotationTrigger,
  ): Promise<Attempt> {
    const reason = failureReason(error);
    const at = toIso(this.#clock.now());
    try {
      await this.#vault.transaction((tx) => {
        const section = readSecretsSection(tx);
        const state = section.states.get(name);
        if (state !== undefined) {
          const { claim, ...rest } = state;
          const keepClaim = claim !== undefined && claim.id !== claimId;
          const next: SecretState = {
            ...rest,
            lastFailure: { at, step, reason },
            ...(keepClaim ? { claim } : {}),
          };
          section.states.set(name, next);
        }
        this.#appendHistory(section, name, {
          at,
          action: "rotate",
          outcome: "failure",
          trigger,
          step,
          reason,
        });
        writeSecretsSection(tx, section);
      });
    } catch {
      // Recording is best effort: the rotation failure below is what the caller must see, and
      // an unreleased claim expires on its own.
    }

    await this.#emit({
      eventType: "credential_rotate",
      severity: "high",
      description: `rotation of secret ${name} failed at the ${step} step; the active value is unchanged`,
      details: { credential: name, action: "rotate", outcome: "failure", trigger, step, reason },
    });
    const wrapped = new VigilError(
      "E_ROTATION_FAILED",
      `rotating "${name}" failed at the ${step} step: ${reason}; the active value is unchanged`,
      { cause: error },
    );
    return { status: "failed", step, reason, error: wrapped };
  }

  async #produce(name: string, policy: RotationPolicy, oldValue: string | undefined) {
    const rotator = policy.rotator;
    switch (rotator.kind) {
      case "generate":
        return generateSecretValue(rotator);
      case "command":
        return commandRotator(rotator, this.#commandTimeoutMs)({ name, oldValue });
      case "function": {
        const fn = this.#rotatorFunctions.get(name);
        if (fn === undefined) throw noFunctionHere(name, "rotator");
        return runRotatorFunction(fn, { name, oldValue });
      }
      case "manual":
        throw noRotator(name);
    }
  }

  async #verify(name: string, policy: RotationPolicy, newValue: string): Promise<void> {
    const verify = policy.verify;
    if (verify === undefined) return;
    if (verify.kind === "command") {
      await commandVerifier(verify, this.#commandTimeoutMs)({ name, newValue });
      return;
    }
    // Fail closed: a verify step that this process cannot run must not be skipped.
    const fn = this.#verifierFunctions.get(name);
    if (fn === undefined) throw noFunctionHere(name, "verify");
    await runVerifierFunction(fn, { name, newValue });
  }

  async #notify(name: string, newValue: string, oldValue: string | undefined): Promise<number> {
    let failures = 0;
    for (const callback of [...this.#callbacks]) {
      try {
        await callback(name, newValue, oldValue);
      } catch (error) {
        failures += 1;
        const kind = error instanceof Error ? error.name : typeof error;
        await this.#emit({
          eventType: "error",
          severity: "high",
          description: `an onRotate callback for secret ${name} threw ${kind}; the new value is active`,
          details: { credential: name, action: "rotate_callback", outcome: "failure" },
        });
      }
    }
    return failures;
  }

  #assertCanProduce(name: string, policy: RotationPolicy): void {
    if (policy.rotator.kind === "manual") throw noRotator(name);
    if (policy.rotator.kind === "function" && !this.#rotatorFunctions.has(name)) {
      throw noFunctionHere(name, "rotator");
    }
  }

  #assertNotClaimed(name: string, claim: RotationClaim | undefined): void {
    if (claim === undefined || !claimAlive(claim, this.#clock.now())) return;
    throw new VigilError(
      "E_ROTATION_IN_PROGRESS",
      `"${name}" is being rotated by ${claim.by} since ${claim.at}; try again later (the claim lapses at ${claim.expiresAt})`,
    );
  }

  #needsHuman(name: string, policy: RotationPolicy): NeedsHumanReason | null {
    if (!policy.autoRotate) return "not_auto";
    if (!this.#config.secretsRotation.enableRotation) return "rotation_disabled";
    if (policy.rotator.kind === "manual") return "no_rotator";
    if (policy.rotator.kind === "function" && !this.#rotatorFunctions.has(name)) {
      return "function_not_here";
    }
    return null;
  }

  #claimLifetimeMs(policy: RotationPolicy): number {
    const rotatorMs =
      policy.rotator.kind === "command"
        ? (policy.rotator.timeoutMs ?? this.#commandTimeoutMs)
        : this.#commandTimeoutMs;
    const verifyMs =
      policy.verify?.kind === "command"
        ? (policy.verify.timeoutMs ?? this.#commandTimeoutMs)
        : this.#commandTimeoutMs;
    return rotatorMs + verifyMs + CLAIM_MARGIN_MS;
  }

  #policyFor(
    section: SecretsSectionData,
    name: string,
    hasValue: boolean,
  ): { policy: RotationPolicy; source: PolicySource } | undefined {
    const registered = section.policies.get(name);
    if (registered !== undefined) return { policy: registered, source: "registered" };
    // A config policy applies once the credential exists; otherwise every new vault would
    // report the design's four default keys as due.
    const configured = hasValue ? policyFromConfig(this.#config, name) : undefined;
    return configured === undefined ? undefined : { policy: configured, source: "config" };
  }

  #policiesInEffect(
    section: SecretsSectionData,
    credentials: ReadonlyMap<string, CredentialInfo>,
  ): Map<string, { policy: RotationPolicy; source: PolicySource }> {
    const names = new Set([
      ...Object.keys(this.#config.secretsRotation.secrets),
      ...section.policies.keys(),
    ]);
    const result = new Map<string, { policy: RotationPolicy; source: PolicySource }>();
    for (const name of [...names].sort()) {
      const found = this.#policyFor(section, name, credentials.has(name));
      if (found !== undefined) result.set(name, found);
    }
    return result;
  }

  #expiringWithoutPolicy(
    section: SecretsSectionData,
    credentials: ReadonlyMap<string, CredentialInfo>,
    nowMs: number,
    options: { includeSoon?: boolean },
  ): DueRotation[] {
    const due: DueRotation[] = [];
    const noticeMs = this.#config.secretsRotation.notifyDaysBefore * DAY_MS;
    for (const [name, info] of credentials) {
      if (info.expires === null || this.#policyFor(section, name, true) !== undefined) continue;
      const leftMs = Date.parse(info.expires) - nowMs;
      const state = leftMs <= 0 ? "due" : leftMs <= noticeMs ? "soon" : "ok";
      if (state === "ok" || (state === "soon" && options.includeSoon !== true)) continue;
      due.push({
        name,
        state,
        reason: state === "due" ? "expired" : "expiring",
        nextRotation: info.expires,
        daysUntilRotation: Math.ceil(leftMs / DAY_MS) || 0,
        source: "expiry",
        autoRotate: false,
        needsHuman: "no_policy",
      });
    }
    return due;
  }

  #status(
    name: string,
    policy: RotationPolicy,
    source: PolicySource,
    section: SecretsSectionData,
    info: CredentialInfo | undefined,
    nowMs: number,
  ): RotationStatus {
    const state = section.states.get(name);
    return describeRotationStatus({
      name,
      policy,
      source,
      state,
      info,
      nowMs,
      config: this.#config,
    });
  }

  #appendHistory(
    section: SecretsSectionData,
    name: string,
    entry: Omit<RotationHistoryEntry, "actor" | "trigger"> & { trigger?: RotationTrigger },
  ): void {
    const full: RotationHistoryEntry = { trigger: "manual", ...entry, actor: this.#actor };
    const limit = this.#config.secretsRotation.historyLimit;
    section.history.set(name, appendHistory(section.history.get(name) ?? [], full, limit));
  }

  async #snapshot(): Promise<{
    section: SecretsSectionData;
    credentials: Map<string, CredentialInfo>;
  }> {
    const section = parseSecretsSection(await this.#vault.readSection(SECRETS_SECTION));
    const credentials = new Map(Object.entries(await this.#vault.listCredentials()));
    return { section, credentials };
  }

  async #fingerprintSubkey(): Promise<Buffer> {
    this.#fingerprintKey ??= await this.#vault.deriveSubkey(FINGERPRINT_PURPOSE);
    return this.#fingerprintKey;
  }

  async #emit(event: AuditSinkEvent): Promise<void> {
    if (this.#audit) await this.#audit.record({ username: this.#actor, ...event });
  }
}

function currentOf(tx: VaultTransaction, name: string): { value: string; version: number } {
  const value = tx.get(name);
  const info = tx.info(name);
  if (value === undefined || info === undefined) {
    throw new VigilError("E_NOT_FOUND", `no credential named "${name}"`);
  }
  return { value, version: info.currentVersion };
}

function failureReason(error: unknown): string {
  if (error instanceof VigilError) return error.message;
  // A foreign error's message may quote the value it was handling; its class name cannot.
  return `unexpected ${error instanceof Error ? error.name : typeof error}`;
}

function notRegistered(name: string): VigilError {
  return new VigilError(
    "E_NOT_FOUND",
    `"${name}" is not registered for rotation; register it with 'vigil secrets register ${name} --days N'`,
  );
}

function noRotator(name: string): VigilError {
  return new VigilError(
    "E_INVALID_ARGUMENT",
    `"${name}" has no rotator; give the new value (vigil secrets rotate ${name} --stdin) or register a rotator`,
  );
}

function noFunctionHere(name: string, what: "rotator" | "verify"): VigilError {
  return new VigilError(
    "E_ROTATION_FAILED",
    `the ${what} function of "${name}" was registered in code by another process; register it in this one too`,
  );
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): the uid still says who it was.
    return `uid:${process.getuid?.() ?? "unknown"}`;
  }
}
