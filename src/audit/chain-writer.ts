import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Clock } from "../clock.js";
import { VigilError } from "../errors.js";
import { fsyncDirectory, withFileLock } from "../storage/index.js";
import type { AuditKeys } from "./audit-keys.js";
import { GENESIS_HASH, readChainFields, sealLine, sealMac } from "./chain-format.js";
import { planRetention, type RetainedFile } from "./retention.js";
import {
  dayFileName,
  headMac,
  LOCK_FILE,
  listDayFiles,
  readHead,
  type TrailHead,
  utcDay,
  writeHead,
} from "./trail-files.js";

/** Writes all of `data`; a short write (a disk filling up) continues until done or an error. */
function writeFully(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

/**
 * Runs a locked append or seal, turning file system failures (ENOSPC, EIO, EACCES, ...) into
 * `E_IO`, whose message says that the lines written before are unchanged.
 */
function asIoError<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof VigilError || typeof code !== "string") throw error;
    throw new VigilError(
      "E_IO",
      `could not write the audit trail (${code}: ${(error as Error).message}); earlier lines ` +
        "are unchanged; free disk space or fix the folder's permissions, then retry",
      { cause: error },
    );
  }
}

/** One line waiting to be chained: its time and its JSON text without the closing brace. */
export interface PendingLine {
  readonly timestampMs: number;
  readonly openBody: string;
}

/** Where a line landed. */
export interface WrittenLine {
  readonly file: string;
  readonly line: number;
  readonly seq: number;
  readonly prev: string;
  readonly hash: string;
  readonly mac: string | null;
  readonly text: string;
}

/** Options for {@link ChainWriter}. */
export interface ChainWriterOptions {
  readonly dir: string;
  readonly keys: AuditKeys;
  readonly writerId: string;
  readonly clock: Clock;
  /** fsync each batch and the head (true for both durability modes; false only in benchmarks). */
  readonly sync: boolean;
  readonly maxLogFiles: number;
  readonly lockTimeoutMs: number;
}

interface Tip {
  file: string | undefined;
  line: number;
  bytes: number;
  seq: number;
  hash: string;
}

interface FileChunk {
  readonly file: string;
  readonly lines: string[];
}

/**
 * Appends batches of lines to the day files under one cross-process lock per batch: read the
 * tip from `head.json`, chain and write the batch with one `write` per file, fsync, rewrite the
 * head, release. One lock per batch (not per event) keeps many writers cheap, and because a
 * batch is written whole while the lock is held, lines of different processes never interleave.
 */
export class ChainWriter {
  readonly #options: ChainWriterOptions;
  #linesSinceSeal = 0;

  constructor(options: ChainWriterOptions) {
    this.#options = options;
  }

  /** Lines this writer appended since its last seal. */
  get linesSinceSeal(): number {
    return this.#linesSinceSeal;
  }

  /**
   * Chains and appends `pending` in order.
   *
   * @throws {VigilError} `E_AUDIT` when the trail is keyed and this writer has no key, or
   *   another key; `E_LOCK_TIMEOUT` when another writer holds the lock too long; `E_IO`.
   */
  async append(pending: readonly PendingLine[]): Promise<WrittenLine[]> {
    if (pending.length === 0) return [];
    return withFileLock(
      join(this.#options.dir, LOCK_FILE),
      async () => asIoError(() => this.#appendLocked(pending)),
      {
        timeoutMs: this.#options.lockTimeoutMs,
      },
    );
  }

  /**
   * Writes a seal: a keyed MAC of the chain head, stating the chain is complete through it.
   * Does nothing on an unkeyed trail or when the trail is empty.
   */
  async seal(reason: string): Promise<void> {
    if (this.#options.keys.sealKey === undefined) return;
    await withFileLock(
      join(this.#options.dir, LOCK_FILE),
      async () =>
        asIoError(() => {
          const tip = this.#loadTip();
          if (tip.file === undefined) return;
          const chunks: FileChunk[] = [{ file: tip.file, lines: [] }];
          this.#emitSeal(tip, chunks, reason);
          this.#flushChunks(chunks, tip);
          this.#saveHead(tip);
          this.#linesSinceSeal = 0;
        }),
      { timeoutMs: this.#options.lockTimeoutMs },
    );
  }

  #appendLocked(pending: readonly PendingLine[]): WrittenLine[] {
    const tip = this.#loadTip();
    const chunks: FileChunk[] = tip.file === undefined ? [] : [{ file: tip.file, lines: [] }];
    const written: WrittenLine[] = [];
    let rolledOver = false;

    for (const entry of pending) {
      // Never go back to an earlier file: a late line of yesterday joins today's file.
      const day = this.#dayOf(entry.timestampMs);
      const file =
        tip.file !== undefined && dayFileName(day) < tip.file ? tip.file : dayFileName(day);
      if (file !== tip.file) {
        this.#startFile(tip, chunks, file);
        rolledOver = true;
      }
      written.push(this.#emit(tip, chunks, entry.openBody));
    }

    const retention = rolledOver ? this.#emitRetention(tip, chunks) : [];
    this.#flushChunks(chunks, tip);
    this.#deleteFiles(retention);
    this.#saveHead(tip);
    this.#linesSinceSeal += written.length;
    return written;
  }

  #dayCache = { startMs: 0, endMs: 0, day: "" };

  /** The UTC day of a time, remembered for the current day (one Date per day, not per line). */
  #dayOf(ms: number): string {
    const cache = this.#dayCache;
    if (ms >= cache.startMs && ms < cache.endMs) return cache.day;
    const day = utcDay(ms);
    const startMs = Date.parse(`${day}T00:00:00.000Z`);
    this.#dayCache = { startMs, endMs: startMs + 86_400_000, day };
    return day;
  }

  #emit(tip: Tip, chunks: FileChunk[], openBody: string): WrittenLine {
    const { line, hash, mac } = sealLine(
      openBody,
      tip.seq + 1,
      this.#options.writerId,
      tip.hash,
      this.#options.keys.sealKey,
    );
    const chunk = chunks[chunks.length - 1];
    if (chunk === undefined || tip.file === undefined) {
      throw new VigilError("E_AUDIT", "internal: a line was emitted before a file was started");
    }
    chunk.lines.push(line);
    const prev = tip.hash;
    tip.seq += 1;
    tip.hash = hash;
    tip.line += 1;
    return { file: tip.file, line: tip.line, seq: tip.seq, prev, hash, mac, text: line };
  }

  #startFile(tip: Tip, chunks: FileChunk[], file: string): void {
    const previous = tip.file;
    if (previous !== undefined) this.#emitSeal(tip, chunks, "day_end");
    chunks.push({ file, lines: [] });
    tip.file = file;
    tip.line = 0;
    tip.bytes = 0;
    const header = {
      timestamp: new Date(this.#options.clock.now()).toISOString(),
      record: "file_start",
      file,
      previous_file: previous ?? null,
      key_id: this.#options.keys.keyId,
    };
    this.#emit(tip, chunks, JSON.stringify(header).slice(0, -1));
  }

  #emitSeal(tip: Tip, chunks: FileChunk[], reason: string): void {
    const sealKey = this.#options.keys.sealKey;
    if (sealKey === undefined) return;
    const seal = {
      timestamp: new Date(this.#options.clock.now()).toISOString(),
      record: "seal",
      reason,
      sealed_seq: tip.seq,
      sealed_hash: tip.hash,
      key_id: this.#options.keys.keyId,
      seal_mac: sealMac(sealKey, tip.seq, tip.hash),
    };
    this.#emit(tip, chunks, JSON.stringify(seal).slice(0, -1));
    this.#linesSinceSeal = 0;
  }

  /** Writes the retention record before deleting, so a crash never leaves an unexplained gap. */
  #emitRetention(tip: Tip, chunks: FileChunk[]): RetainedFile[] {
    const doomed = planRetention(this.#options.dir, this.#options.maxLogFiles, tip.file);
    if (doomed.length === 0) return [];
    const record = {
      timestamp: new Date(this.#options.clock.now()).toISOString(),
      record: "retention",
      severity: "medium",
      username: "vigil",
      description:
        `deleted ${doomed.length} audit file(s) past retention ` +
        `(maxLogFiles ${this.#options.maxLogFiles})`,
      max_log_files: this.#options.maxLogFiles,
      deleted: doomed.map((file) => ({
        file: file.file,
        last_seq: file.lastSeq,
        last_hash: file.lastHash,
      })),
    };
    this.#emit(tip, chunks, JSON.stringify(record).slice(0, -1));
    return doomed;
  }

  /** Writes the chunks; the tip's byte count grows by what its file received. */
  #flushChunks(chunks: readonly FileChunk[], tip: Tip): void {
    for (const chunk of chunks) {
      if (chunk.lines.length === 0) continue;
      const path = join(this.#options.dir, chunk.file);
      const created = !existsSync(path);
      const fd = openSync(path, "a", 0o600);
      const sizeBefore = fstatSync(fd).size;
      try {
        // One write per file per batch: a batch is never split by another process's lines.
        const data = Buffer.from(`${chunk.lines.join("\n")}\n`);
        writeFully(fd, data);
        if (this.#options.sync) fsyncSync(fd);
        if (chunk.file === tip.file) tip.bytes += data.length;
      } catch (error) {
        // A full disk takes part of a batch: cut it off so the file ends on a whole line and
        // the head (not rewritten) still names its true end. Nobody was told these were written.
        try {
          ftruncateSync(fd, sizeBefore);
        } catch {
          // The next writer cuts a torn last line too (see #catchUp).
        }
        throw error;
      } finally {
        closeSync(fd);
      }
      if (created && this.#options.sync) fsyncDirectory(this.#options.dir);
    }
  }

  #deleteFiles(files: readonly RetainedFile[]): void {
    for (const file of files) unlinkSync(join(this.#options.dir, file.file));
    if (files.length > 0) fsyncDirectory(this.#options.dir);
  }

  #saveHead(tip: Tip): void {
    if (tip.file === undefined) return;
    const fields = {
      version: 1 as const,
      file: tip.file,
      line: tip.line,
      bytes: tip.bytes,
      seq: tip.seq,
      hash: tip.hash,
      key_id: this.#options.keys.keyId,
    };
    const sealKey = this.#options.keys.sealKey;
    const head: TrailHead = {
      ...fields,
      mac: sealKey === undefined ? null : headMac(sealKey, fields),
      updated: new Date(this.#options.clock.now()).toISOString(),
    };
    // No fsync: the head is written after the lines it names are durable, so after a power cut
    // it can only lag behind them (writers then catch up), never claim lines that were lost.
    writeHead(this.#options.dir, head, false);
  }

  /**
   * The chain's tip. `head.json` names it; a writer that crashed after appending but before
   * rewriting the head left complete lines past it (adopted when they chain) or a torn last
   * line (cut off: it belonged to the batch the crash lost).
   */
  #loadTip(): Tip {
    const head = readHead(this.#options.dir);
    this.#assertSameKey(head);
    const tip: Tip =
      head === undefined
        ? this.#recoverTip()
        : { file: head.file, line: head.line, bytes: head.bytes, seq: head.seq, hash: head.hash };
    if (tip.file !== undefined) this.#catchUp(tip);
    return tip;
  }

  #assertSameKey(head: TrailHead | undefined): void {
    const ours = this.#options.keys.keyId;
    if (head === undefined || head.key_id === null || head.key_id === ours) return;
    throw new VigilError(
      "E_AUDIT",
      ours === null
        ? "this audit trail is sealed with a key (the vault's); open the logger with a key " +
            "source (e.g. keys: vault) to write to it"
        : "this audit trail is sealed with a different key; use the vault that created it",
    );
  }

  /** Without a head: start a new trail, or continue after the last line of the newest file. */
  #recoverTip(): Tip {
    const files = listDayFiles(this.#options.dir);
    const last = files[files.length - 1];
    const tip: Tip = { file: undefined, line: 0, bytes: 0, seq: 0, hash: GENESIS_HASH };
    if (last === undefined) return tip;
    tip.file = last;
    return tip;
  }

  #catchUp(tip: Tip): void {
    if (tip.file === undefined) return;
    this.#catchUpFile(tip, tip.line > 0);
    // A crash after a batch opened the next day's file but before the head named it leaves that
    // file past the head: follow the chain into it, or this writer would start the day again
    // and repeat its sequence numbers.
    for (const file of listDayFiles(this.#options.dir)) {
      if (file <= tip.file) continue;
      const before = { ...tip };
      tip.file = file;
      tip.line = 0;
      tip.bytes = 0;
      if (this.#catchUpFile(tip, true) === 0) {
        Object.assign(tip, before);
        break;
      }
    }
  }

  /**
   * Adopts the complete lines of `tip.file` past `tip.bytes` that chain on (the first one too
   * when `linkFirst`), cuts a torn last line, and returns how many lines were adopted.
   */
  #catchUpFile(tip: Tip, linkFirst: boolean): number {
    const path = join(this.#options.dir, tip.file as string);
    if (!existsSync(path)) return 0;
    const fd = openSync(path, "r+");
    let adopted = 0;
    try {
      const size = fstatSync(fd).size;
      if (size <= tip.bytes) return 0;
      const extra = Buffer.alloc(size - tip.bytes);
      readSync(fd, extra, 0, extra.length, tip.bytes);
      let start = 0;
      for (;;) {
        const end = extra.indexOf(0x0a, start);
        if (end < 0) break;
        const fields = readChainFields(extra.subarray(start, end));
        if (fields === undefined || !fields.hashMatches) break;
        const mustLink = linkFirst || adopted > 0;
        if (mustLink && (fields.prev !== tip.hash || fields.seq !== tip.seq + 1)) break;
        tip.seq = fields.seq;
        tip.hash = fields.hash;
        tip.line += 1;
        tip.bytes += end - start + 1;
        start = end + 1;
        adopted += 1;
      }
      // A torn last line (no newline) is the unflushed remains of a crashed batch.
      if (start < extra.length && extra.indexOf(0x0a, start) < 0) {
        ftruncateSync(fd, tip.bytes);
      }
    } finally {
      closeSync(fd);
    }
    return adopted;
  }
}
