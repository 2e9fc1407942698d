import { chmodSync, closeSync, openSync, renameSync, statSync, writeSync } from "node:fs";
import { type Clock, systemClock, toIso } from "../clock.js";

/** Fields of a log line: names, counts, codes and durations, never a secret value. */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

/** Where the agent writes what it does, for an operator. */
export interface AgentLogger {
  /** Per-request lines; written only by a verbose logger. */
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Releases the log file, if any. */
  close(): void;
}

/** A logger that drops everything (the default for in-process use and tests). */
export const silentLogger: AgentLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  close: () => undefined,
};

/** Options for {@link openFileLogger}. */
export interface FileLoggerOptions {
  /** Also write a line per answered request (`debug`). Default false. */
  readonly verbose?: boolean;
  /** At open, a log larger than this moves to `<path>.1`. Default 5 MiB. */
  readonly rotateBytes?: number;
  /** Default: {@link systemClock}. */
  readonly clock?: Clock;
}

/**
 * A JSON-lines logger appending to `path`, created 0600 (and tightened to 0600 if it existed
 * looser, since a log may name credentials). Each line: `{time, level, msg, ...fields}`.
 * Quiet by default: lifecycle, locks, refused and failed requests; every request with
 * `verbose`.
 *
 * @throws {Error} when the file cannot be opened.
 * @example
 * const log = openFileLogger(join(home, "agent.log"), { verbose: true });
 * log.info("agent listening", { pid: process.pid });
 */
export function openFileLogger(path: string, options: FileLoggerOptions = {}): AgentLogger {
  const clock = options.clock ?? systemClock;
  rotateIfLarge(path, options.rotateBytes ?? 5 * 1024 * 1024);
  const fd = openSync(path, "a", 0o600);
  chmodSync(path, 0o600);
  let open = true;
  const write = (level: string, message: string, fields: LogFields = {}) => {
    if (!open) return;
    const line = JSON.stringify({ time: toIso(clock.now()), level, msg: message, ...fields });
    try {
      writeSync(fd, `${line}\n`);
    } catch {
      // A full disk must not take the agent down; the operator sees the gap in the log.
    }
  };
  return {
    debug: options.verbose ? (message, fields) => write("debug", message, fields) : () => undefined,
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

function rotateIfLarge(path: string, maxBytes: number): void {
  try {
    if (statSync(path).size > maxBytes) renameSync(path, `${path}.1`);
  } catch {
    // No log yet.
  }
}
