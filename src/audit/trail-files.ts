import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { hmacSha256 } from "../crypto/index.js";

/** `YYYY-MM-DD.jsonl`: one file per UTC day. */
export const DAY_FILE_PATTERN = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

/** The file holding the chain's tip, shared by every writer (see {@link TrailHead}). */
export const HEAD_FILE = "head.json";

/** The lock every writer holds while appending a batch. */
export const LOCK_FILE = "trail.lock";

/** The UTC day of a time, `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The day file for a UTC day. */
export function dayFileName(day: string): string {
  return `${day}.jsonl`;
}

/** The day files present in `dir`, oldest first. */
export function listDayFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => DAY_FILE_PATTERN.test(name)).sort();
}

/**
 * Where the chain ends: the last line's file, its 1-based line number, the file's length in
 * bytes after it, its sequence number and hash. Every writer rewrites it after each batch, MACed
 * when the trail is keyed, so cutting the tail of the newest file is detected even between
 * seals.
 */
export interface TrailHead {
  readonly version: 1;
  readonly file: string;
  readonly line: number;
  readonly bytes: number;
  readonly seq: number;
  readonly hash: string;
  readonly key_id: string | null;
  readonly mac: string | null;
  readonly updated: string;
}

/** Reads `head.json`; undefined when it is missing or unreadable. */
export function readHead(dir: string): TrailHead | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, HEAD_FILE), "utf8")) as TrailHead;
    return parsed.version === 1 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The MAC over a head's fields. */
export function headMac(sealKey: Buffer, head: Omit<TrailHead, "mac" | "updated">): string {
  const text = `vigil-audit-head|${head.file}|${head.line}|${head.bytes}|${head.seq}|${head.hash}`;
  return hmacSha256(sealKey, text).toString("hex");
}

/**
 * Replaces `head.json` by rename, so readers see the old or the new head, never half of one.
 * `durable` also fsyncs the new file first.
 */
export function writeHead(dir: string, head: TrailHead, durable: boolean): void {
  const path = join(dir, HEAD_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, "w", 0o600);
  try {
    writeSync(fd, JSON.stringify(head));
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
