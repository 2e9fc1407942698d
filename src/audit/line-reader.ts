import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";

const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Calls `visit` with each line of a file (bytes without the newline, 1-based number), reading
 * 4 MiB at a time so that a day of a million events never sits in memory as one string. A last
 * line without a newline is still visited (verify reports it as torn). Return `false` to stop.
 */
export function forEachLineSync(
  path: string,
  visit: (line: Buffer, lineNumber: number, endOffset: number) => boolean | undefined,
): void {
  const fd = openSync(path, "r");
  try {
    let carry = Buffer.alloc(0);
    let lineNumber = 0;
    let offset = 0;
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const read = readSync(fd, chunk, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      const data =
        carry.length === 0
          ? chunk.subarray(0, read)
          : Buffer.concat([carry, chunk.subarray(0, read)]);
      let start = 0;
      for (let end = data.indexOf(0x0a); end >= 0; end = data.indexOf(0x0a, start)) {
        lineNumber += 1;
        offset += end - start + 1;
        if (visit(data.subarray(start, end), lineNumber, offset) === false) return;
        start = end + 1;
      }
      // Copy: `chunk` is reused by the next read.
      carry = Buffer.from(data.subarray(start));
    }
    if (carry.length > 0) visit(carry, lineNumber + 1, offset + carry.length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Yields the file in chunks of about 4 MiB, each cut after a newline, so every chunk holds whole
 * lines; a query can then search the bytes for a needle and decode only the lines it hits. A
 * torn last line (no newline) is not yielded.
 */
export async function* readLineChunks(path: string): AsyncGenerator<Buffer> {
  const handle = await open(path, "r");
  try {
    let carry = Buffer.alloc(0);
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      const data =
        carry.length === 0
          ? chunk.subarray(0, bytesRead)
          : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      const lastNewline = data.lastIndexOf(0x0a);
      if (lastNewline < 0) {
        carry = Buffer.from(data);
        continue;
      }
      carry = Buffer.from(data.subarray(lastNewline + 1));
      yield data.subarray(0, lastNewline + 1);
    }
  } finally {
    await handle.close();
  }
}
