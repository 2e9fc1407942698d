import { closeSync, fsyncSync, openSync, readdirSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { VigilError } from "../errors.js";

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old file or the
 * new one: write a temp file beside it (created with `mode`), fsync it, rename it over `path`,
 * then fsync the folder so the rename itself survives a power cut.
 *
 * @throws {VigilError} `E_IO` when the disk refuses the write; `path` is then untouched.
 */
export async function replaceFileAtomically(
  path: string,
  data: Buffer | string,
  mode = 0o600,
): Promise<void> {
  try {
    await writeFileAtomic(path, data, { mode, fsync: true });
    fsyncDirectory(dirname(path));
  } catch (error) {
    throw new VigilError(
      "E_IO",
      `could not write ${path} (${describeIoError(error)}); the previous version is unchanged`,
      { cause: error },
    );
  }
}

/**
 * Deletes temp files that {@link replaceFileAtomically} left beside `path` when a writer was
 * killed (SIGKILL, power cut) between creating its temp file and renaming it. Such a file holds
 * an old copy of the data, e.g. a credential deleted since, or a key block wrapped under a
 * master password changed since, so it must not linger. Returns how many were removed.
 *
 * Call it only while holding the lock that serialises every writer of `path`: a temp file of a
 * live writer would otherwise be taken from under it.
 *
 * @example
 * await withFileLock(lockPath, async () => { removeStaleTempFiles(path); ... });
 */
export function removeStaleTempFiles(path: string): number {
  // write-file-atomic names its temp file "<name>.<unsigned 32-bit integer>".
  const prefix = `${basename(path)}.`;
  let removed = 0;
  for (const entry of readdirSync(dirname(path))) {
    if (!entry.startsWith(prefix) || !/^\d{1,10}$/.test(entry.slice(prefix.length))) continue;
    try {
      unlinkSync(join(dirname(path), entry));
      removed += 1;
    } catch {
      // Already gone; nothing to clean.
    }
  }
  return removed;
}

/** fsyncs a folder so that entries created, renamed or removed in it are durable. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A short, secret-free description of a Node I/O error ("ENOSPC", "EACCES", ...). */
export function describeIoError(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return "unknown I/O error";
}
