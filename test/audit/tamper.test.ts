import { unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveAuditKeys } from "../../src/audit/audit-keys.js";
import { readChainFields, sealLine } from "../../src/audit/chain-format.js";
import { listDayFiles, type TrailBreak, verifyTrail } from "../../src/audit/index.js";
import { attackerKey, makeLogger, readLines, TEST_SEAL_KEY, writeLines } from "./trail-fixtures.js";

const DAY1 = "2026-03-01.jsonl";
const DAY2 = "2026-03-02.jsonl";
const DAY3 = "2026-03-03.jsonl";

/** Three days of five events each, keyed, closed. */
async function threeDayTrail(keyed = true): Promise<string> {
  const { logger, clock, dir } = makeLogger({ keyed });
  for (let day = 0; day < 3; day++) {
    for (let i = 0; i < 5; i++) {
      await logger.logLogin(`user${day}${i}`, { success: true, ip: "10.0.0.1" });
      clock.advance(60_000);
    }
    clock.advance(24 * 60 * 60_000);
  }
  await logger.close();
  return dir;
}

async function verifyKeyed(dir: string) {
  return verifyTrail(dir, { keys: await resolveAuditKeys({ sealKey: TEST_SEAL_KEY }, dir) });
}

/** Rewrites lines from `start` (0-based) of `file` and every later file with a fresh chain. */
function rechainFrom(dir: string, file: string, start: number, key: Buffer): void {
  const files = listDayFiles(dir).filter((name) => name >= file);
  let previous: { seq: number; hash: string } | undefined;
  for (const name of files) {
    const lines = readLines(dir, name);
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] as string;
      const fields = readChainFields(Buffer.from(line));
      if (fields === undefined) throw new Error("fixture line unreadable");
      if (previous === undefined) {
        if (name === file && index === start - 1) previous = { seq: fields.seq, hash: fields.hash };
        continue;
      }
      const open = line.slice(0, line.lastIndexOf(',"seq":'));
      const rebuilt = sealLine(open, previous.seq + 1, fields.writer, previous.hash, key);
      lines[index] = rebuilt.line;
      previous = { seq: previous.seq + 1, hash: rebuilt.hash };
    }
    writeLines(dir, name, lines);
  }
}

describe("verify", () => {
  it("reports an untouched keyed trail as intact, with seals checked", async () => {
    const dir = await threeDayTrail();
    const report = await verifyKeyed(dir);
    expect(report).toMatchObject({ intact: true, files: 3, events: 15, keyChecked: true });
    expect(report.seals).toBeGreaterThanOrEqual(3);
  });

  const cases: [string, (dir: string) => void, Partial<TrailBreak>][] = [
    [
      "an edited field",
      (dir) => {
        const lines = readLines(dir, DAY2);
        lines[2] = (lines[2] as string).replace('"username":"user11"', '"username":"mallory"');
        writeLines(dir, DAY2, lines);
      },
      { kind: "modified", file: DAY2, line: 3 },
    ],
    [
      "a deleted line",
      (dir) =>
        writeLines(
          dir,
          DAY2,
          readLines(dir, DAY2).filter((_, index) => index !== 2),
        ),
      { kind: "removed", file: DAY2, line: 3 },
    ],
    [
      "an inserted line with a recomputed chain",
      (dir) => {
        const lines = readLines(dir, DAY2);
        const before = readChainFields(Buffer.from(lines[1] as string));
        if (before === undefined) throw new Error("fixture");
        const forged = sealLine(
          '{"timestamp":"2026-03-02T10:01:30.000Z","event_type":"login","severity":"medium","username":"ghost","description":"login succeeded for ghost","details":{"success":true}',
          before.seq + 1,
          before.writer,
          before.hash,
          attackerKey(),
        );
        lines.splice(2, 0, forged.line);
        writeLines(dir, DAY2, lines);
        rechainFrom(dir, DAY2, 3, attackerKey());
      },
      { kind: "forged", file: DAY2, line: 3 },
    ],
    [
      "two swapped lines",
      (dir) => {
        const lines = readLines(dir, DAY2);
        [lines[2], lines[3]] = [lines[3] as string, lines[2] as string];
        writeLines(dir, DAY2, lines);
      },
      { kind: "reordered", file: DAY2, line: 3 },
    ],
    [
      "a cut tail (the last seal and events before it)",
      (dir) => writeLines(dir, DAY3, readLines(dir, DAY3).slice(0, 4)),
      { kind: "truncated", file: DAY3, line: 5 },
    ],
    [
      "a deleted middle day",
      (dir) => unlinkSync(join(dir, DAY2)),
      { kind: "missing-file", file: DAY3, line: 1 },
    ],
    [
      "a deleted first day",
      (dir) => unlinkSync(join(dir, DAY1)),
      { kind: "missing-file", file: DAY2, line: 1 },
    ],
    [
      "a deleted last day",
      (dir) => unlinkSync(join(dir, DAY3)),
      { kind: "missing-file", file: DAY3 },
    ],
    [
      "a torn line",
      (dir) => {
        const lines = readLines(dir, DAY1);
        lines[1] = (lines[1] as string).slice(0, 80);
        writeLines(dir, DAY1, lines);
      },
      { kind: "malformed", file: DAY1, line: 2 },
    ],
    [
      "a forged head.json",
      (dir) =>
        writeFileSync(
          join(dir, "head.json"),
          JSON.stringify({
            version: 1,
            file: DAY3,
            line: 1,
            bytes: 1,
            seq: 1,
            hash: "0",
            key_id: "x",
            mac: "0",
            updated: "",
          }),
        ),
      { kind: "head", file: "head.json" },
    ],
  ];

  it.each(cases)("detects %s and names its file and line", async (_name, tamper, expected) => {
    const dir = await threeDayTrail();
    tamper(dir);
    const report = await verifyKeyed(dir);
    expect(report.intact).toBe(false);
    expect(report.firstBreak).toMatchObject(expected);
  });

  it("without a key still detects edits, deletions and swaps, and says what it could not check", async () => {
    const dir = await threeDayTrail(false);
    expect(verifyTrail(dir)).toMatchObject({ intact: true, keyChecked: false });
    expect(verifyTrail(dir).warnings.join(" ")).toMatch(/unkeyed/);
    writeLines(
      dir,
      DAY2,
      readLines(dir, DAY2).filter((_, index) => index !== 1),
    );
    expect(verifyTrail(dir).firstBreak).toMatchObject({ kind: "removed", file: DAY2, line: 2 });
  });

  it("refuses a keyed trail verified with another key", async () => {
    const dir = await threeDayTrail();
    const report = verifyTrail(dir, {
      keys: await resolveAuditKeys({ sealKey: attackerKey() }, dir),
    });
    expect(report.firstBreak).toMatchObject({ kind: "forged", file: DAY1, line: 1 });
  });
});

describe("line MACs", () => {
  it("HexHmac computes exactly HMAC-SHA256", async () => {
    const { createHmac, randomBytes } = await import("node:crypto");
    const { HexHmac } = await import("../../src/audit/chain-format.js");
    for (let i = 0; i < 50; i++) {
      const key = randomBytes(32);
      const hex = randomBytes(32).toString("hex");
      expect(new HexHmac(key).mac(hex)).toBe(createHmac("sha256", key).update(hex).digest("hex"));
    }
  });
});
