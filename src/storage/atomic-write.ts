import { closeSync, fsyncSync, openSync } from "node:fs";
import { dirname } from "node:path";
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
