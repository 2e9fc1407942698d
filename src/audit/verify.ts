import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { AuditKeys } from "./audit-keys.js";
import {
  type ChainFields,
  GENESIS_HASH,
  lineMac,
  readChainFields,
  sealMac,
  systemKindOf,
} from "./chain-format.js";
import { forEachLineSync } from "./line-reader.js";
import { headMac, listDayFiles, readHead, type TrailHead } from "./trail-files.js";

/** What kind of damage verify found. */
export type BreakKind =
  | "modified"
  | "removed"
  | "inserted"
  | "reordered"
  | "forged"
  | "malformed"
  | "missing-file"
  | "truncated"
  | "head";

/** The first place where the trail is not what its writers wrote. */
export interface TrailBreak {
  readonly kind: BreakKind;
  /** The day file (or `head.json`). */
  readonly file: string;
  /** 1-based line number in `file`; for a cut tail, the first missing line. */
  readonly line: number;
  readonly message: string;
}

/** The outcome of {@link verifyTrail}. */
export interface VerifyReport {
  readonly intact: boolean;
  readonly firstBreak?: TrailBreak;
  readonly files: number;
  readonly lines: number;
  readonly events: number;
  readonly seals: number;
  /** True when MACs and seals were checked with the trail's key. */
  readonly keyChecked: boolean;
  /** Limits of the proof that are not breaks (unkeyed trail, unkeyed prefix, ...). */
  readonly warnings: readonly string[];
  readonly lastSeq: number;
}

/** Progress of a long verify, for a CLI progress line. */
export interface VerifyProgress {
  readonly file: string;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/** Options for {@link verifyTrail}. */
export interface VerifyOptions {
  /** The trail's keys; without a seal key only the chain is checked (and a warning says so). */
  readonly keys?: AuditKeys;
  readonly onProgress?: (progress: VerifyProgress) => void;
}

class BreakFound extends Error {
  constructor(
    readonly found: TrailBreak,
    /** For a sequence jump: the first missing number, to tell "removed" from "reordered". */
    readonly missingSeq?: number,
  ) {
    super(found.message);
  }
}

/** The state carried from line to line and from file to file. */
interface Walk {
  seq: number;
  hash: string;
  lines: number;
  events: number;
  seals: number;
  keyedSeen: boolean;
  unkeyedPrefix: number;
  unverifiedMacs: number;
  /** The newest file ends in an incomplete line past the head (see verifyFile). */
  tornTail: boolean;
  /** Lines after this sequence number are not covered by head.json: their MACs are checked. */
  headSeq: number;
  /** The hash of the line with `headSeq`, to compare with head.json at the end. */
  hashAtHead?: string | undefined;
  /** The last seal whose MAC verified: lines up to it are authenticated. */
  lastGoodSeal?: { file: string; line: number } | undefined;
  /** A missing older file the first file names; a retention record must explain it. */
  explain?: { file: string; lastSeq: number; lastHash: string; at: TrailBreak } | undefined;
}

/**
 * Checks the whole trail in `dir`: each line's hash, the chain from line to line and from file to
 * file, sequence numbers, each line's MAC and each seal (with a key), retention records for
 * deleted files, and `head.json` for a cut tail. Stops at the first break.
 *
 * @example
 * const report = verifyTrail("/home/bot/.vigil/audit", { keys });
 * if (!report.intact) alert(report.firstBreak?.file, report.firstBreak?.line);
 */
export function verifyTrail(dir: string, options: VerifyOptions = {}): VerifyReport {
  // The head is read once, before the files are listed: a writer may append while verify runs
  // (a bot and `vigil audit verify` at once), and what it adds after this snapshot is checked as
  // lines past the head, not mistaken for a cut tail or a forged head.
  const head = readHead(dir);
  const files = listDayFiles(dir);
  const sealKey = options.keys?.sealKey;
  const walk: Walk = {
    seq: 0,
    hash: GENESIS_HASH,
    lines: 0,
    events: 0,
    seals: 0,
    keyedSeen: false,
    unkeyedPrefix: 0,
    unverifiedMacs: 0,
    headSeq: head?.seq ?? 0,
    tornTail: false,
  };
  const warnings: string[] = [];
  const report = (firstBreak?: TrailBreak): VerifyReport => ({
    intact: firstBreak === undefined,
    ...(firstBreak === undefined ? {} : { firstBreak }),
    files: files.length,
    lines: walk.lines,
    events: walk.events,
    seals: walk.seals,
    keyChecked: sealKey !== undefined,
    warnings,
    lastSeq: walk.seq,
  });

  try {
    const bytesTotal = files.reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
    let bytesBefore = 0;
    let previousFile: string | undefined;
    let lastLine = 0;
    for (const file of files) {
      const isNewest = file === files[files.length - 1];
      lastLine = verifyFile(dir, file, previousFile, isNewest, walk, sealKey, (bytesInFile) =>
        options.onProgress?.({ file, bytesDone: bytesBefore + bytesInFile, bytesTotal }),
      );
      bytesBefore += statSync(join(dir, file)).size;
      previousFile = file;
    }
    if (walk.explain !== undefined) throw new BreakFound(walk.explain.at);
    verifyHead(dir, head, previousFile, lastLine, walk, sealKey, warnings);
    if (walk.tornTail) {
      warnings.push(
        "the newest file ends in an incomplete line past the head (a write in progress, or a " +
          "batch lost in a crash before it was acknowledged); the next writer removes it",
      );
    }
  } catch (error) {
    if (!(error instanceof BreakFound)) throw error;
    if (error.missingSeq !== undefined && appearsLater(dir, files, error.found, error.missingSeq)) {
      return report({
        ...error.found,
        kind: "reordered",
        message: `sequence ${error.missingSeq} appears later in the trail: records were reordered`,
      });
    }
    return report(error.found);
  }

  if (sealKey === undefined && walk.unverifiedMacs > 0) {
    warnings.push("MACs and seals were not checked: no key (give the vault to check them)");
  }
  if (sealKey === undefined && walk.unverifiedMacs === 0 && walk.lines > 0) {
    warnings.push(
      "the trail is unkeyed: the chain proves order and completeness against accidents, but " +
        "anyone who can write the files can rewrite it with a recomputed chain",
    );
  }
  if (sealKey !== undefined && walk.unkeyedPrefix > 0) {
    warnings.push(`the first ${walk.unkeyedPrefix} line(s) were written without a key (not MACed)`);
  }
  return report();
}

function verifyFile(
  dir: string,
  file: string,
  previousFile: string | undefined,
  isNewest: boolean,
  walk: Walk,
  sealKey: Buffer | undefined,
  progress: (bytesInFile: number) => void,
): number {
  let lastLine = 0;
  const size = statSync(join(dir, file)).size;
  let nextProgress = 0;
  forEachLineSync(join(dir, file), (line, lineNumber, endOffset) => {
    lastLine = lineNumber;
    const at: At = (kind, message, missingSeq) =>
      new BreakFound({ kind, file, line: lineNumber, message }, missingSeq);
    const fields = readChainFields(line);
    if (fields === undefined) {
      // The unfinished end of the newest file, past every line the head vouches for: a batch
      // being written now, or one a crash cut short before anyone was told it was written.
      // Queries never read it and the next writer cuts it off, so it is no break.
      if (
        isNewest &&
        endOffset === size &&
        walk.seq >= walk.headSeq &&
        !endsWithNewline(dir, file)
      ) {
        walk.tornTail = true;
        return false;
      }
      throw at("malformed", "not a chained audit record (torn or edited)");
    }
    if (!fields.hashMatches) throw at("modified", "the record's content does not match its hash");

    const kind = systemKindOf(line);
    if (lineNumber === 1) {
      if (kind !== "file_start")
        throw at("removed", "the file's first record (file_start) is missing");
      checkFileStart(line, file, previousFile, fields, walk, at);
    } else {
      checkLink(fields, walk, at);
    }
    checkMac(fields, walk, sealKey, at);
    if (kind === "seal")
      checkSeal(line, fields, sealKey, at, walk, dir, { file, line: lineNumber });
    if (fields.seq === walk.headSeq) walk.hashAtHead = fields.hash;
    if (kind === "retention") checkRetention(line, walk, at);
    if (kind === "seal") walk.seals += 1;
    if (kind === undefined) walk.events += 1;

    walk.seq = fields.seq;
    walk.hash = fields.hash;
    walk.lines += 1;
    if (endOffset >= nextProgress) {
      progress(endOffset);
      nextProgress = endOffset + 16 * 1024 * 1024;
    }
    return true;
  });
  return lastLine;
}

type At = (kind: BreakKind, message: string, missingSeq?: number) => BreakFound;

/**
 * The members of a system record (file start, seal, retention). Its hash matching proves only
 * that someone computed it: on an unkeyed trail, or when verify runs without the key, a record
 * whose body is not a JSON object must be reported as a break, not crash verify.
 */
function parseSystemRecord(line: Buffer, at: At): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.toString("utf8"));
  } catch {
    throw at("malformed", "a system record that is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw at("malformed", "a system record that is not a JSON object");
  }
  return parsed as Record<string, unknown>;
}

/** True when a line with sequence `seq` sits after the break (a moved, not a removed, line). */
function appearsLater(
  dir: string,
  files: readonly string[],
  found: TrailBreak,
  seq: number,
): boolean {
  let seen = false;
  for (const file of files.filter((name) => name >= found.file)) {
    forEachLineSync(join(dir, file), (line, lineNumber) => {
      if (file === found.file && lineNumber <= found.line) return true;
      seen = readChainFields(line)?.seq === seq;
      return !seen;
    });
    if (seen) return true;
  }
  return false;
}

function checkLink(fields: ChainFields, walk: Walk, at: At): void {
  if (fields.seq === walk.seq + 1 && fields.prev === walk.hash) return;
  if (fields.seq <= walk.seq) {
    throw at(
      "reordered",
      `sequence ${fields.seq} appears after ${walk.seq}: records were reordered`,
    );
  }
  if (fields.seq > walk.seq + 1) {
    throw at(
      "removed",
      `sequence jumps from ${walk.seq} to ${fields.seq}: records were removed`,
      walk.seq + 1,
    );
  }
  throw at("inserted", "the record does not chain to the one before it (inserted or replaced)");
}

function checkFileStart(
  line: Buffer,
  file: string,
  previousFile: string | undefined,
  fields: ChainFields,
  walk: Walk,
  at: At,
): void {
  const header = parseSystemRecord(line, at) as {
    file?: string;
    previous_file?: string | null;
  };
  if (header.file !== file) throw at("reordered", `the file names itself ${String(header.file)}`);
  const named = header.previous_file ?? undefined;
  if (named === previousFile) {
    if (previousFile === undefined && (fields.seq !== 1 || fields.prev !== GENESIS_HASH)) {
      throw at(
        "removed",
        "the first file of the trail does not start at the beginning of the chain",
      );
    }
    if (previousFile !== undefined) checkLink(fields, walk, at);
    return;
  }
  if (previousFile === undefined && named !== undefined) {
    // The older file is gone: only a retention record later in the chain may explain that.
    walk.explain = {
      file: named,
      lastSeq: fields.seq - 1,
      lastHash: fields.prev,
      at: {
        kind: "missing-file",
        file,
        line: 1,
        message: `the previous file ${named} is missing and no retention record explains it`,
      },
    };
    return;
  }
  throw new BreakFound({
    kind: "missing-file",
    file,
    line: 1,
    message:
      `the file follows ${String(named)}, but the trail has ${String(previousFile)} ` +
      "before it: a day file was deleted",
  });
}

/*
 * Line MACs are checked lazily: a verified seal authenticates every line before it (the chain
 * is collision resistant) and a verified head.json every line up to it, so per-line MACs are
 * only computed past the head, or to locate the first forged line once a seal or the head
 * fails. That halves the cost of verifying a million lines.
 */
function checkMac(fields: ChainFields, walk: Walk, sealKey: Buffer | undefined, at: At): void {
  if (fields.mac === null) {
    if (walk.keyedSeen) throw at("forged", "an unkeyed record inside a keyed trail");
    walk.unkeyedPrefix += 1;
    return;
  }
  walk.keyedSeen = true;
  if (sealKey === undefined) {
    walk.unverifiedMacs += 1;
    return;
  }
  if (fields.seq > walk.headSeq && lineMac(sealKey, fields.hash) !== fields.mac) {
    throw at("forged", FORGED_LINE);
  }
}

const FORGED_LINE =
  "the record's MAC does not verify: it was inserted or rewritten without the key";

/**
 * The first line between `from` (exclusive; undefined: the trail's start) and `to` (inclusive)
 * whose MAC does not verify, as a break; `fallback` when every line verifies.
 */
function locateForgery(
  dir: string,
  sealKey: Buffer,
  from: { file: string; line: number } | undefined,
  to: { file: string; line: number },
  fallback: TrailBreak,
): BreakFound {
  const files = listDayFiles(dir).filter(
    (file) => (from === undefined || file >= from.file) && file <= to.file,
  );
  for (const file of files) {
    let found: TrailBreak | undefined;
    forEachLineSync(join(dir, file), (line, lineNumber) => {
      if (from !== undefined && file === from.file && lineNumber <= from.line) return true;
      if (file === to.file && lineNumber > to.line) return false;
      const fields = readChainFields(line);
      if (fields?.mac != null && lineMac(sealKey, fields.hash) !== fields.mac) {
        found = { kind: "forged", file, line: lineNumber, message: FORGED_LINE };
        return false;
      }
      return true;
    });
    if (found !== undefined) return new BreakFound(found);
  }
  return new BreakFound(fallback);
}

function checkSeal(
  line: Buffer,
  fields: ChainFields,
  sealKey: Buffer | undefined,
  at: At,
  walk: Walk,
  dir: string,
  here: { file: string; line: number },
): void {
  const seal = parseSystemRecord(line, at) as {
    sealed_seq?: number;
    sealed_hash?: string;
    seal_mac?: string;
  };
  const namesPrevious = seal.sealed_seq === fields.seq - 1 && seal.sealed_hash === fields.prev;
  const macVerifies =
    sealKey === undefined || sealMac(sealKey, fields.seq - 1, fields.prev) === seal.seal_mac;
  if (namesPrevious && macVerifies) {
    if (sealKey !== undefined) walk.lastGoodSeal = here;
    return;
  }
  const message = namesPrevious
    ? "the seal's MAC does not verify"
    : "the seal does not name the record before it";
  if (sealKey === undefined) throw at("modified", message);
  // Something since the last good seal was rewritten: find the first line that was.
  throw locateForgery(dir, sealKey, walk.lastGoodSeal, here, {
    ...here,
    kind: namesPrevious ? "forged" : "modified",
    message,
  });
}

function checkRetention(line: Buffer, walk: Walk, at: At): void {
  const record = parseSystemRecord(line, at) as {
    deleted?: unknown;
  };
  const explain = walk.explain;
  if (explain === undefined || !Array.isArray(record.deleted)) return;
  const entries = record.deleted as ({
    file?: unknown;
    last_seq?: unknown;
    last_hash?: unknown;
  } | null)[];
  const match = entries.find((entry) => entry?.file === explain.file);
  if (match != null && match.last_seq === explain.lastSeq && match.last_hash === explain.lastHash) {
    walk.explain = undefined;
  }
}

/** True when the file's last byte is a newline (a torn last line lacks it). */
function endsWithNewline(dir: string, file: string): boolean {
  const bytes = readFileSync(join(dir, file));
  return bytes[bytes.length - 1] === 0x0a;
}

function verifyHead(
  dir: string,
  head: TrailHead | undefined,
  lastFile: string | undefined,
  lastLine: number,
  walk: Walk,
  sealKey: Buffer | undefined,
  warnings: string[],
): void {
  const end = { file: lastFile ?? "", line: lastLine };
  if (head === undefined) {
    if (lastFile === undefined) return;
    throw new BreakFound({
      kind: "head",
      file: "head.json",
      line: 1,
      message: "head.json is missing or damaged: a cut tail could not be detected",
    });
  }
  if (head.mac !== null && sealKey !== undefined) {
    const { mac, updated, ...fields } = head;
    if (headMac(sealKey, fields) !== mac) {
      throw locateForgery(dir, sealKey, walk.lastGoodSeal, end, {
        kind: "head",
        file: "head.json",
        line: 1,
        message: "head.json's MAC does not verify",
      });
    }
  } else if (head.mac === null && walk.keyedSeen) {
    throw new BreakFound({
      kind: "head",
      file: "head.json",
      line: 1,
      message: "head.json is unkeyed in a keyed trail",
    });
  }
  if (lastFile === undefined || head.file > lastFile) {
    throw new BreakFound({
      kind: "missing-file",
      file: head.file,
      line: 1,
      message: `${head.file} (the newest file, named by head.json) is missing`,
    });
  }
  if (head.seq > walk.seq) {
    throw new BreakFound({
      kind: "truncated",
      file: lastFile,
      line: lastLine + 1,
      message:
        `the trail ends at sequence ${walk.seq} but head.json records ${head.seq}: ` +
        "the tail was cut",
    });
  }
  if (walk.hashAtHead !== head.hash) {
    const mismatch: TrailBreak = {
      kind: "head",
      file: "head.json",
      line: 1,
      message: "head.json names another last record",
    };
    throw sealKey === undefined
      ? new BreakFound(mismatch)
      : locateForgery(dir, sealKey, walk.lastGoodSeal, end, mismatch);
  }
  if (head.seq < walk.seq) {
    warnings.push(
      `${walk.seq - head.seq} record(s) follow the recorded head ` +
        "(a writer stopped before updating it)",
    );
  }
}
