import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { sealLine } from "../../src/audit/chain-format.js";
import {
  type AuditKeys,
  AuditLogger,
  queryEvents,
  resolveAuditKeys,
  type VerifyReport,
  verifyTrail,
} from "../../src/audit/index.js";
import { ManualClock } from "../../src/clock.js";
import { parseConfig } from "../../src/config/index.js";
import { isVigilError } from "../../src/errors.js";
import { scaled } from "../helpers/stress-scale.js";
import { makeTempDir } from "../helpers/temp-home.js";

const RUNS = scaled(80, 2_000);

const SEAL_KEY = Buffer.alloc(32, 9);
const BREAK_KINDS = [
  "modified",
  "removed",
  "inserted",
  "reordered",
  "forged",
  "malformed",
  "missing-file",
  "truncated",
  "head",
];

/** A small real trail over two UTC days: events, seals, file starts, head.json. */
async function buildTrail(keyed: boolean): Promise<string> {
  const dir = join(makeTempDir("vigil-fuzz-trail-"), "audit");
  const clock = new ManualClock(Date.parse("2026-03-01T22:00:00.000Z"));
  const logger = new AuditLogger({
    logDirectory: dir,
    config: parseConfig({}),
    clock,
    syslog: false,
    username: "fuzz",
    ...(keyed ? { keys: { sealKey: SEAL_KEY } } : {}),
  });
  for (let i = 0; i < 12; i++) {
    await logger.logApiCall("jobs", `/v1/apply/${i}`, { statusCode: 200 + i * 20 });
    if (i === 4) await logger.seal();
    clock.advance(20 * 60_000);
  }
  await logger.close();
  return dir;
}

type Mutation =
  | { kind: "replace"; line: number; text: string }
  | { kind: "insert"; line: number; text: string }
  | { kind: "flip"; line: number; at: number; mask: number }
  | { kind: "cut"; fraction: number }
  | { kind: "append"; text: string }
  | { kind: "rechained"; line: number; record: string; tail: string }
  | { kind: "head"; text: string };

/** Lines of JSON, near-JSON and junk: what a hostile or broken tool could leave in a day file. */
const hostileLine = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom("null", "5", '"text"', "[]", "{}", "true", '{"timestamp":null}', "\u0000\u00ff"),
  fc
    .jsonValue({ maxDepth: 2 })
    .map((value) => JSON.stringify({ timestamp: value, record: "seal" })),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("replace"), line: fc.nat(40), text: hostileLine }),
  fc.record({ kind: fc.constant("insert"), line: fc.nat(40), text: hostileLine }),
  fc.record({
    kind: fc.constant("flip"),
    line: fc.nat(40),
    at: fc.nat(400),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant("cut"), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant("append"), text: hostileLine }),
  // What someone who knows the format writes: a line with a correct hash and chain links whose
  // body is anything at all (a system record with wrong members, or not JSON).
  fc.record({
    kind: fc.constant("rechained"),
    line: fc.nat(40),
    record: fc.constantFrom("file_start", "seal", "retention", "other"),
    tail: fc.oneof(
      fc.constant(""),
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        ',"deleted":"x"',
        ',"deleted":[null,5]',
        ',"file":null',
        ',"previous_file":7',
        ',"sealed_seq":"1"',
        ',"x":',
      ),
    ),
  }),
  fc.record({
    kind: fc.constant("head"),
    text: fc.oneof(
      hostileLine,
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify({ version: 1, file: value })),
      fc.constantFrom('{"version":1}', '{"version":1,"file":"../x","seq":"9"}'),
    ),
  }),
);

function dayFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".jsonl"))
    .sort();
}

/** Applies `change` to a copy of the trail in `dir` (day file chosen by `fileIndex`). */
function mutate(dir: string, change: Mutation, fileIndex: number): void {
  if (change.kind === "head") {
    writeFileSync(join(dir, "head.json"), change.text);
    return;
  }
  const files = dayFiles(dir);
  const file = join(dir, files[fileIndex % files.length] as string);
  const bytes = readFileSync(file);
  if (change.kind === "cut") {
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * change.fraction)));
    return;
  }
  if (change.kind === "append") {
    writeFileSync(file, Buffer.concat([bytes, Buffer.from(change.text)]));
    return;
  }
  const lines = bytes.toString("utf8").split("\n").slice(0, -1);
  const index = change.line % Math.max(1, lines.length);
  if (change.kind === "replace") lines[index] = change.text;
  if (change.kind === "insert") lines.splice(index, 0, change.text);
  if (change.kind === "flip") {
    const line = Buffer.from(lines[index] ?? "");
    const at = change.at % Math.max(1, line.length);
    if (line.length > 0) line[at] = (line[at] ?? 0) ^ change.mask;
    lines[index] = line.toString("latin1");
  }
  if (change.kind === "rechained") {
    let original: { seq?: number; prev?: string } = {};
    try {
      original = JSON.parse(lines[index] ?? "{}") ?? {};
    } catch {
      // An earlier change broke this line: chain the forged one at the trail's start instead.
    }
    const { line } = sealLine(
      `{"timestamp":"2026-03-01T23:00:00.000Z","record":"${change.record}"${change.tail}`,
      original.seq ?? 1,
      "w1-fuzz",
      original.prev ?? "0".repeat(64),
      undefined,
    );
    lines[index] = line;
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
}

/** Verify's answer, or the code of the VigilError it threw; anything else fails the property. */
function verifyOutcome(dir: string, keys?: AuditKeys): VerifyReport | string {
  try {
    return verifyTrail(dir, keys === undefined ? {} : { keys });
  } catch (error) {
    if (isVigilError(error)) return error.code;
    throw error;
  }
}

describe.each([
  ["keyed", true],
  ["unkeyed", false],
] as const)("an %s audit trail under hostile edits", (_label, keyed) => {
  let pristine: string;
  let keys: Awaited<ReturnType<typeof resolveAuditKeys>> | undefined;

  beforeAll(async () => {
    pristine = await buildTrail(keyed);
    keys = keyed ? await resolveAuditKeys({ sealKey: SEAL_KEY }, pristine) : undefined;
  });

  it("verify reports a break or passes, and getEvents returns events, never a crash", async () => {
    const work = makeTempDir("vigil-fuzz-copy-");
    let runs = 0;
    let broken = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.nat(3),
        async (changes, fileIndex) => {
          const dir = join(work, `t${runs++}`);
          cpSync(pristine, dir, { recursive: true });
          for (const change of changes) mutate(dir, change, fileIndex);

          // With the key, without it (as the CLI without a vault does): a report, never a throw.
          for (const withKey of keyed ? [true, false] : [false]) {
            const outcome = verifyOutcome(dir, withKey ? keys : undefined);
            expect(typeof outcome, JSON.stringify(changes)).toBe("object");
            const report = outcome as VerifyReport;
            if (!report.intact) {
              expect(BREAK_KINDS).toContain(report.firstBreak?.kind);
              if (withKey) broken += 1;
            }
          }

          // Queries skip what they cannot read; every answer is an event object.
          let events: unknown[] = [];
          try {
            events = await queryEvents(dir, {});
          } catch (error) {
            if (!isVigilError(error)) throw error;
          }
          for (const event of events) {
            expect(typeof event).toBe("object");
            expect(event).not.toBeNull();
          }
          for (const query of [{ eventType: "api_call" as const }, { text: "apply" }]) {
            await queryEvents(dir, query).catch((error: unknown) => {
              if (!isVigilError(error)) throw error;
            });
          }
          // A writer arriving at the damaged trail writes (recovering what it can) or refuses
          // with a code; it never throws a TypeError or writes a line verify cannot read.
          const writer = new AuditLogger({
            logDirectory: dir,
            config: parseConfig({}),
            syslog: false,
            ...(keyed ? { keys: { sealKey: SEAL_KEY } } : {}),
          });
          await writer.logLogin("fuzz", { success: true }).catch((error: unknown) => {
            if (!isVigilError(error)) throw error;
          });
          await writer.close().catch((error: unknown) => {
            if (!isVigilError(error)) throw error;
          });
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: RUNS },
    );
    expect(runs).toBe(RUNS);
    if (keyed) expect(broken).toBeGreaterThan(RUNS / 2);
  }, 120_000);
});
