import { type CancelTimer, type Clock, toIso } from "../clock.js";
import { VigilError } from "../errors.js";
import type { RotationStep } from "./rotation-history.js";
import type { RotationReason } from "./rotation-schedule.js";
import type { DueRotation, NeedsHumanReason } from "./rotation-status.js";
import type { RotationResult } from "./secrets-manager.js";

/** What {@link WatchTarget.rotateIfDue} reports for one secret. */
export type WatchOutcome =
  | { readonly status: "rotated"; readonly name: string; readonly result: RotationResult }
  | {
      readonly status: "skipped";
      readonly name: string;
      readonly reason: "claimed" | "not_due" | "unregistered";
    }
  | {
      readonly status: "failed";
      readonly name: string;
      readonly step: RotationStep;
      readonly reason: string;
    };

/** What the watcher reports. Values never appear; fingerprints do. */
export type WatcherEvent =
  | {
      readonly type: "rotated";
      readonly at: string;
      readonly name: string;
      readonly version: number;
      readonly fingerprint: string;
    }
  | {
      readonly type: "failed";
      readonly at: string;
      readonly name: string;
      readonly step: RotationStep;
      readonly reason: string;
    }
  | {
      /** A person should act: it is due and cannot be rotated unattended here, or due soon. */
      readonly type: "attention";
      readonly at: string;
      readonly name: string;
      readonly state: "due" | "soon";
      readonly reason: RotationReason;
      readonly nextRotation: string;
      readonly daysUntilRotation: number;
      readonly why: NeedsHumanReason | "notice";
    }
  | {
      /** Another watcher rotated it first, or is rotating it now. */
      readonly type: "skipped";
      readonly at: string;
      readonly name: string;
      readonly reason: "claimed" | "not_due" | "unregistered";
    }
  | {
      readonly type: "error";
      readonly at: string;
      readonly name?: string;
      readonly code: string;
      readonly message: string;
    }
  | {
      readonly type: "checked";
      readonly at: string;
      readonly due: number;
      readonly soon: number;
      readonly rotated: number;
      readonly failed: number;
    };

/** Receives watcher events. */
export type WatcherListener = (event: WatcherEvent) => void;

/** What the watcher needs from the secrets manager. */
export interface WatchTarget {
  dueRotations(options: { includeSoon: boolean }): Promise<DueRotation[]>;
  rotateIfDue(name: string): Promise<WatchOutcome>;
}

/** Options for {@link RotationWatcher}. */
export interface RotationWatcherOptions {
  readonly clock: Clock;
  /** Hours between checks (fractions allowed). */
  readonly intervalHours: number;
}

/**
 * Checks for due secrets on a timer: rotates those it may rotate unattended and reports the
 * rest. Several watchers, in one process or many, may run against one vault: each rotation is
 * decided under the vault lock ({@link WatchTarget.rotateIfDue}), so a secret is rotated once.
 * Checks never overlap; the next one is scheduled when the previous one ends.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for an interval that is not a positive number.
 * @example
 * const watcher = new RotationWatcher(manager, { clock: systemClock, intervalHours: 24 });
 * watcher.on((event) => logger.info(event.type));
 * watcher.start();
 */
export class RotationWatcher {
  readonly #target: WatchTarget;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #listeners = new Set<WatcherListener>();
  #cancelTimer: CancelTimer | undefined;
  #checking: Promise<void> | undefined;
  #running = false;

  constructor(target: WatchTarget, options: RotationWatcherOptions) {
    if (!Number.isFinite(options.intervalHours) || options.intervalHours <= 0) {
      throw new VigilError("E_INVALID_ARGUMENT", "the watch interval must be a positive number");
    }
    this.#target = target;
    this.#clock = options.clock;
    this.#intervalMs = Math.round(options.intervalHours * 60 * 60 * 1000);
  }

  /** True between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.#running;
  }

  /** Adds a listener; returns a function that removes it. */
  on(listener: WatcherListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Checks now, then every interval until {@link stop}. Calling it again does nothing. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#launch();
  }

  /** Stops the timer; resolves when a check in progress has finished. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    await this.#checking;
  }

  /** Resolves when no check is in progress (tests: advance the clock, then await this). */
  async idle(): Promise<void> {
    while (this.#checking !== undefined) await this.#checking;
  }

  /** Runs one check now (after any check in progress), whether or not the watcher is started. */
  async checkNow(): Promise<void> {
    await this.idle();
    const check = this.#check();
    this.#checking = check;
    try {
      await check;
    } finally {
      if (this.#checking === check) this.#checking = undefined;
    }
  }

  #launch(): void {
    const check = this.#check().finally(() => {
      if (this.#checking === check) this.#checking = undefined;
      if (this.#running)
        this.#cancelTimer = this.#clock.setTimer(() => this.#launch(), this.#intervalMs);
    });
    this.#checking = check;
  }

  async #check(): Promise<void> {
    let due: DueRotation[];
    try {
      due = await this.#target.dueRotations({ includeSoon: true });
    } catch (error) {
      this.#emit({ type: "error", at: this.#now(), ...describeError(error) });
      return;
    }

    const tally = { due: 0, soon: 0, rotated: 0, failed: 0 };
    for (const item of due) {
      if (item.state === "due") tally.due += 1;
      else tally.soon += 1;
      if (item.state === "soon" || item.needsHuman !== null) {
        this.#emit({
          type: "attention",
          at: this.#now(),
          name: item.name,
          state: item.state,
          reason: item.reason,
          nextRotation: item.nextRotation,
          daysUntilRotation: item.daysUntilRotation,
          why: item.state === "soon" ? "notice" : (item.needsHuman ?? "notice"),
        });
        continue;
      }
      const outcome = await this.#rotate(item.name);
      if (outcome === "rotated") tally.rotated += 1;
      if (outcome === "failed") tally.failed += 1;
    }
    this.#emit({ type: "checked", at: this.#now(), ...tally });
  }

  async #rotate(name: string): Promise<WatchOutcome["status"] | "error"> {
    try {
      const outcome = await this.#target.rotateIfDue(name);
      const at = this.#now();
      if (outcome.status === "rotated") {
        const { version, fingerprint } = outcome.result;
        this.#emit({ type: "rotated", at, name, version, fingerprint });
      } else if (outcome.status === "failed") {
        this.#emit({ type: "failed", at, name, step: outcome.step, reason: outcome.reason });
      } else {
        this.#emit({ type: "skipped", at, name, reason: outcome.reason });
      }
      return outcome.status;
    } catch (error) {
      this.#emit({ type: "error", at: this.#now(), name, ...describeError(error) });
      return "error";
    }
  }

  #emit(event: WatcherEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not stop the watcher; the listener owns its own reporting.
      }
    }
  }

  #now(): string {
    return toIso(this.#clock.now());
  }
}

function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof VigilError) return { code: error.code, message: error.message };
  // A foreign message may quote input; the class name is enough to start debugging.
  const kind = error instanceof Error ? error.name : typeof error;
  return { code: "E_INTERNAL", message: `unexpected ${kind}` };
}
