/** A cancel function returned by {@link Clock.setTimer}. */
export type CancelTimer = () => void;

/**
 * The one source of "now" in vigil. Everything time-dependent takes a clock so that tests move
 * time forward instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once after `delayMs`; returns a function that cancels it. */
  setTimer(callback: () => void, delayMs: number): CancelTimer;
}

/** The real clock: `Date.now()` and Node's timers (unref'd, so they never keep a process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return () => clearTimeout(handle);
  },
};

interface PendingTimer {
  dueAt: number;
  callback: () => void;
  id: number;
}

/**
 * A clock that only moves when told to. `advance` fires due timers in order, each seeing the
 * time at which it was due.
 *
 * @example
 * const clock = new ManualClock(Date.parse("2026-01-01T10:00:00Z"));
 * clock.advance(60 * 60_000); // one hour later, without sleeping
 */
export class ManualClock implements Clock {
  #nowMs: number;
  #timers: PendingTimer[] = [];
  #nextId = 1;

  constructor(startMs: number = Date.parse("2026-01-01T00:00:00.000Z")) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimer(callback: () => void, delayMs: number): CancelTimer {
    const id = this.#nextId++;
    this.#timers.push({ dueAt: this.#nowMs + Math.max(0, delayMs), callback, id });
    return () => {
      this.#timers = this.#timers.filter((timer) => timer.id !== id);
    };
  }

  /** Sets the time; moving backwards is allowed, to test clock jumps. Fires no timers. */
  set(ms: number): void {
    this.#nowMs = ms;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.#nowMs + ms;
    for (;;) {
      const due = this.#timers
        .filter((timer) => timer.dueAt <= target)
        .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((timer) => timer.id !== due.id);
      this.#nowMs = Math.max(this.#nowMs, due.dueAt);
      due.callback();
    }
    this.#nowMs = target;
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.length;
  }
}

/** Formats milliseconds since the epoch as UTC ISO-8601 with milliseconds. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
