import { chmodSync, closeSync, openSync, writeSync } from "node:fs";
import { type Clock, systemClock, toIso } from "../clock.js";

/** Fields of a log line: names, counts, codes and durations, never a secret value. */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

/** Where the agent writes what it does, for an operator. */
export interface AgentLogger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Releases the log file, if any. */
  close(): void;
}

/** A logger that drops everything (the default for in-process use and tests). */
export const silentLogger: AgentLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  close: () => undefined,
};

/**
 * A JSON-lines logger appending to `path`, created 0600 (and tightened to 0600 if it existed
 * looser, since a log may name credentials). Each line: `{time, level, msg, ...fields}`.
 *
 * @throws {Error} when the file cannot be opened.
 * @example
 * const log = openFileLogger(join(home, "agent.log"));
 * log.info("agent listening", { pid: process.pid });
 */
export function openFileLogger(path: string, clock: Clock = systemClock): AgentLogger {
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
