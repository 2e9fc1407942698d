import { closeSync, openSync } from "node:fs";
import Database from "better-sqlite3";
import { VigilError } from "../errors.js";

/** Options for {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for another holder before giving up. Default 10,000 ms. */
  readonly timeoutMs?: number;
}

interface LockHandle {
  readonly db: Database.Database;
  queue: Promise<unknown>;
}

const handles = new Map<string, LockHandle>();

/**
 * Runs `critical` while holding an exclusive lock on `lockPath`, across processes and within
 * this one.
 *
 * Why SQLite: its lock is a POSIX record lock held by the kernel, so a holder killed with
 * SIGKILL releases it at once; lock files with PIDs need stale-lock guessing instead. The lock
 * file stays empty of data. Waiting polls without blocking the event loop.
 *
 * @throws {VigilError} `E_LOCK_TIMEOUT` when another process holds the lock past `timeoutMs`.
 * @example
 * await withFileLock(`${home}/vault.lock`, async () => { ... read, modify, replace ... });
 */
export async function withFileLock<T>(
  lockPath: string,
  critical: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const handle = openHandle(lockPath);
  const run = handle.queue.then(async () => {
    await acquire(handle.db, lockPath, options.timeoutMs ?? 10_000);
    try {
      return await critical();
    } finally {
      handle.db.exec("COMMIT");
    }
  });
  handle.queue = run.catch(() => undefined);
  return run;
}

function openHandle(lockPath: string): LockHandle {
  const existing = handles.get(lockPath);
  if (existing) return existing;

  // Create the file ourselves so it is 0600 from the first instant.
  closeSync(openSync(lockPath, "a", 0o600));
  const db = new Database(lockPath);
  // Only connection-level pragmas here: anything that reads the file (journal_mode does) needs a
  // shared lock and fails at once with SQLITE_BUSY while another process holds the lock. The
  // default rollback journal is what we want, and no transaction ever writes, so none is left.
  db.pragma("busy_timeout = 0");
  const handle: LockHandle = { db, queue: Promise.resolve() };
  handles.set(lockPath, handle);
  return handle;
}

async function acquire(db: Database.Database, lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pauseMs = 1;
  for (;;) {
    try {
      db.exec("BEGIN EXCLUSIVE");
      return;
    } catch (error) {
      if (!isBusy(error)) throw error;
    }
    if (Date.now() >= deadline) {
      throw new VigilError(
        "E_LOCK_TIMEOUT",
        `${lockPath} stayed locked by another vigil process for ${timeoutMs} ms; retry, or ` +
          "stop the other process",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(pauseMs * 2, 25);
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

/** Closes this process's lock connections (for tests and orderly shutdown). */
export function closeFileLocks(): void {
  for (const handle of handles.values()) handle.db.close();
  handles.clear();
}
