import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { VigilError } from "../errors.js";
import { readChainFields } from "./chain-format.js";
import { listDayFiles } from "./trail-files.js";

/** A day file chosen for deletion, with the chain values the retention record keeps of it. */
export interface RetainedFile {
  readonly file: string;
  readonly lastSeq: number;
  readonly lastHash: string;
}

/**
 * The oldest day files beyond `maxLogFiles`, never `currentFile`. Each comes with its last
 * line's sequence number and hash: the retention record stores them, so that verify can still
 * check the link from the deleted file into the first one kept.
 *
 * @throws {VigilError} `E_AUDIT` when a file to delete does not end in a chained line (it
 *   was damaged; retention refuses to erase evidence of that).
 */
export function planRetention(
  dir: string,
  maxLogFiles: number,
  currentFile: string | undefined,
): RetainedFile[] {
  const files = listDayFiles(dir).filter((file) => file !== currentFile);
  const keep = currentFile === undefined ? maxLogFiles : maxLogFiles - 1;
  const excess = files.length - Math.max(0, keep);
  if (excess <= 0) return [];
  return files.slice(0, excess).map((file) => {
    const last = lastLine(join(dir, file));
    const fields = last === undefined ? undefined : readChainFields(last);
    if (fields === undefined || !fields.hashMatches) {
      throw new VigilError(
        "E_AUDIT",
        `${file} does not end in an intact line; ` +
          "run 'vigil audit verify' before retention deletes it",
      );
    }
    return { file, lastSeq: fields.seq, lastHash: fields.hash };
  });
}

/** The last complete line of a file, read from its end. */
export function lastLine(path: string): Buffer | undefined {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    let window = 4096;
    for (;;) {
      const start = Math.max(0, size - window);
      const buffer = Buffer.alloc(size - start);
      readSync(fd, buffer, 0, buffer.length, start);
      const end = buffer[buffer.length - 1] === 0x0a ? buffer.length - 1 : buffer.length;
      const begin = buffer.lastIndexOf(0x0a, end - 1);
      if (begin >= 0) return buffer.subarray(begin + 1, end);
      if (start === 0) return end > 0 ? buffer.subarray(0, end) : undefined;
      window *= 4;
    }
  } finally {
    closeSync(fd);
  }
}
