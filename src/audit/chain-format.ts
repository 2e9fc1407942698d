import { createHmac, hash as oneShotHash } from "node:crypto";

/*
 * The byte layout of a trail line (docs/audit-format.md). Every line is one JSON object whose
 * last members are, in this order: "seq", "writer", "prev", "hash", "mac". The hash is SHA-256
 * over the "body": the line's bytes up to and including the closing quote of "prev". Keeping the
 * integrity members last and fixed-width lets verify check a line without parsing its JSON.
 */

/** The `prev` of the very first line of a trail. */
export const GENESIS_HASH = "0".repeat(64);

/** Suffix length of a keyed line: `,"hash":"<64>","mac":"<64>"}`. */
const KEYED_SUFFIX = 9 + 64 + 9 + 64 + 2;
/** Suffix length of an unkeyed line: `,"hash":"<64>","mac":null}`. */
const UNKEYED_SUFFIX = 9 + 64 + 13;

/**
 * HMAC-SHA256 (RFC 2104) of 64-character hex texts (line hashes) under one key. The pads are
 * computed once and each MAC is two one-shot SHA-256 calls over reused buffers: the same value
 * as `createHmac` (a test checks it) at half the cost, which matters a million lines at a time.
 */
export class HexHmac {
  readonly #inner = Buffer.alloc(64 + 64);
  readonly #outer = Buffer.alloc(64 + 32);

  constructor(key: Buffer) {
    if (key.length > 64) throw new RangeError("HexHmac keys are at most 64 bytes");
    for (let i = 0; i < 64; i++) {
      const byte = key[i] ?? 0;
      this.#inner[i] = byte ^ 0x36;
      this.#outer[i] = byte ^ 0x5c;
    }
  }

  /** The MAC of `hex` (exactly 64 ASCII characters), as hex. */
  mac(hex: string): string {
    this.#inner.write(hex, 64, 64, "latin1");
    oneShotHash("sha256", this.#inner, "buffer").copy(this.#outer, 64);
    return oneShotHash("sha256", this.#outer, "hex");
  }
}

const macCache = new WeakMap<Buffer, HexHmac>();

function hexHmacFor(key: Buffer): HexHmac {
  let hmac = macCache.get(key);
  if (hmac === undefined) {
    hmac = new HexHmac(key);
    macCache.set(key, hmac);
  }
  return hmac;
}

/** Kinds of line other than events, named by a `record` member after `timestamp`. */
export type SystemRecordKind = "file_start" | "seal" | "retention";

/** The integrity members of a line, read without parsing the JSON. */
export interface ChainFields {
  readonly seq: number;
  readonly writer: string;
  readonly prev: string;
  readonly hash: string;
  readonly mac: string | null;
  /** True when the stored hash matches the body. */
  readonly hashMatches: boolean;
}

/**
 * Completes a line: appends the chain members to `openBody` (a JSON object text without its
 * closing brace), hashes it and, with a key, MACs the hash.
 */
export function sealLine(
  openBody: string,
  seq: number,
  writer: string,
  prev: string,
  sealKey: Buffer | undefined,
): { line: string; hash: string; mac: string | null } {
  const body = `${openBody},"seq":${seq},"writer":"${writer}","prev":"${prev}"`;
  const hash = oneShotHash("sha256", body, "hex");
  const mac = sealKey === undefined ? null : lineMac(sealKey, hash);
  const macText = mac === null ? "null" : `"${mac}"`;
  return { line: `${body},"hash":"${hash}","mac":${macText}}`, hash, mac };
}

/** The MAC of one line: HMAC-SHA256 over its hash. */
export function lineMac(sealKey: Buffer, hash: string): string {
  return hexHmacFor(sealKey).mac(hash);
}

/**
 * Reads the integrity members of `line` (bytes, no newline) and checks its hash. Returns
 * undefined when the line does not have the layout at all (torn, edited by hand, not ours).
 */
export function readChainFields(line: Buffer): ChainFields | undefined {
  const keyed = line[line.length - 2] === 0x22; // `"}` ends a keyed line, `l}` an unkeyed one
  const suffix = keyed ? KEYED_SUFFIX : UNKEYED_SUFFIX;
  if (line.length < suffix + 40 || line[line.length - 1] !== 0x7d) return undefined;

  const bodyEnd = line.length - suffix;
  const tail = line.toString("latin1", bodyEnd);
  const hash = tail.slice(9, 73);
  const mac = keyed ? tail.slice(82, 146) : null;
  if (!tail.startsWith(',"hash":"') || (keyed && !tail.startsWith('","mac":"', 73))) return;

  // The body's own tail: ,"seq":N,"writer":"W","prev":"<64>"
  const head = line.toString("latin1", Math.max(0, bodyEnd - 160), bodyEnd);
  const prevAt = head.length - 74;
  if (!head.startsWith(',"prev":"', prevAt) || head[head.length - 1] !== '"') return undefined;
  const prev = head.slice(prevAt + 9, -1);
  const seqAt = head.lastIndexOf(',"seq":', prevAt);
  const writerAt = head.indexOf(',"writer":"', seqAt);
  if (seqAt < 0 || writerAt < 0) return undefined;
  const seq = Number(head.slice(seqAt + 7, writerAt));
  const writer = head.slice(writerAt + 11, prevAt - 1);
  if (!Number.isSafeInteger(seq)) return undefined;

  const digest = oneShotHash("sha256", line.subarray(0, bodyEnd), "hex");
  return { seq, writer, prev, hash, mac, hashMatches: digest === hash };
}

/** The system record kind of a line, or undefined for an event line. */
export function systemKindOf(line: Buffer): SystemRecordKind | undefined {
  // `{"timestamp":"<24 chars>",` is 40 bytes; a system line continues with `"record":"`, an
  // event with `"event_type"`: one byte tells them apart before any string is made.
  if (line[41] !== 0x72) return undefined;
  if (line.toString("latin1", 40, 50) !== '"record":"') return undefined;
  const end = line.indexOf(0x22, 50);
  const kind = line.toString("latin1", 50, end);
  return kind === "file_start" || kind === "seal" || kind === "retention" ? kind : undefined;
}

/** The MAC that authenticates a seal: "the chain is complete through `seq` with `hash`". */
export function sealMac(sealKey: Buffer, seq: number, hash: string): string {
  return createHmac("sha256", sealKey).update(`vigil-audit-seal|${seq}|${hash}`).digest("hex");
}
