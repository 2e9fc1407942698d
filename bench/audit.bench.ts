/*
 * The audit trail against its peers, side by side on the same events: append throughput
 * (batched and fsync) against pino writing the same objects, queries against jq on the same
 * files, and the time to verify the whole trail.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, fsyncSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { resolveAuditKeys } from "../src/audit/audit-keys.js";
import {
  AUDIT_EVENT_TYPES,
  type AuditEventInput,
  AuditLogger,
  listDayFiles,
  streamEvents,
  verifyTrail,
} from "../src/audit/index.js";
import type { Clock } from "../src/clock.js";
import { parseConfig } from "../src/config/index.js";
import {
  type BenchContext,
  type BenchRow,
  type BenchSection,
  compareDurations,
  formatMicros,
  percentile,
  sampleMicros,
} from "./bench-kit.js";

const SEAL_KEY = Buffer.alloc(32, 3);

/** The i-th benchmark event: varied types, 1,000 users, small details like real ones. */
function eventAt(i: number): AuditEventInput {
  const eventType = AUDIT_EVENT_TYPES[i % AUDIT_EVENT_TYPES.length] ?? "login";
  return {
    eventType,
    username: `user${i % 1000}`,
    description: `${eventType} number ${i} for job ${i % 97}`,
    details: { job_id: i % 97, ip: `10.0.${i % 250}.${i % 200}`, attempt: i % 3 },
  };
}

/** A clock that moves 150 ms per reading, so a million events span about two UTC days. */
function steppingClock(startMs: number): Clock {
  let now = startMs;
  return {
    now: () => {
      now += 150;
      return now;
    },
    setTimer: () => () => undefined,
  };
}

async function appendBatched(home: string, count: number): Promise<number> {
  const logger = new AuditLogger({
    home,
    config: parseConfig({ auditLogging: { maxLogFiles: 90 } }),
    clock: steppingClock(Date.parse("2026-03-01T00:00:00.000Z")),
    keys: { sealKey: SEAL_KEY },
    durability: "batched",
    syslog: false,
  });
  const start = performance.now();
  let last: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < count; i++) {
    last = logger.log(eventAt(i));
    // Yield every 1,024 events, as a bot does between its own work, so batches get written;
    // larger bursts keep more lines alive across a batch and cost more in garbage collection.
    if (i % 1024 === 1023) await last;
  }
  await last;
  await logger.close();
  return performance.now() - start;
}

async function appendPino(file: string, count: number): Promise<number> {
  const destination = pino.destination({ dest: file, sync: false, minLength: 8 * 1024 });
  const logger = pino({ base: null }, destination);
  await new Promise((resolve) => destination.once("ready", resolve));
  const start = performance.now();
  for (let i = 0; i < count; i++) logger.info(eventAt(i));
  destination.flushSync();
  const fd = openSync(file, "r");
  fsyncSync(fd);
  closeSync(fd);
  const elapsed = performance.now() - start;
  await new Promise((resolve) => {
    destination.once("close", resolve);
    destination.end();
  });
  return elapsed;
}

async function timeQuery(
  dir: string,
  query: Parameters<typeof streamEvents>[1],
): Promise<[number, number]> {
  const start = performance.now();
  let matches = 0;
  for await (const _event of streamEvents(dir, query)) matches += 1;
  return [performance.now() - start, matches];
}

function timeJq(files: readonly string[], filter: string): number {
  const start = performance.now();
  execFileSync("sh", ["-c", `jq -c '${filter}' "$@" > /dev/null`, "jq", ...files], {
    stdio: "ignore",
  });
  return performance.now() - start;
}

function jqAvailable(): boolean {
  try {
    execFileSync("jq", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function fsyncLatency(home: string, file: string, count: number): Promise<BenchRow[]> {
  const logger = new AuditLogger({
    home,
    config: parseConfig({}),
    keys: { sealKey: SEAL_KEY },
    durability: "fsync",
    syslog: false,
  });
  const ours = await sampleMicros(count, (i) => logger.log(eventAt(i)));
  await logger.close();
  const fd = openSync(file, "a", 0o600);
  const raw = await sampleMicros(count, (i) => {
    writeSync(fd, `${JSON.stringify(eventAt(i))}\n`);
    fsyncSync(fd);
  });
  closeSync(fd);
  const p50 = percentile(ours, 50);
  const peer = percentile(raw, 50);
  return [
    {
      metric: `fsync mode: one awaited event, p50 (p99) over ${count}`,
      vigil: `${formatMicros(p50)} (${formatMicros(percentile(ours, 99))})`,
      peer: `${formatMicros(peer)} (${formatMicros(percentile(raw, 99))}) write+fsync`,
      ratio: compareDurations(p50, peer),
    },
  ];
}

export default async function auditBench(context: BenchContext): Promise<BenchSection> {
  const count = context.quick ? 50_000 : 1_000_000;
  const home = join(context.dir, "home");
  const dir = join(home, "audit");
  const rows: BenchRow[] = [];
  const notes: string[] = [];

  context.log(`appending ${count} events (batched)`);
  const batchedMs = await appendBatched(home, count);
  const pinoFile = join(context.dir, "pino.jsonl");
  context.log(`pino writing ${count} events`);
  const pinoMs = await appendPino(pinoFile, count);
  const ratio = batchedMs / pinoMs;
  rows.push({
    metric: `append ${count.toLocaleString("en")} events, batched (chained + MACed)`,
    vigil: `${Math.round(count / (batchedMs / 1000)).toLocaleString("en")} ev/s (${(batchedMs / 1000).toFixed(2)} s)`,
    peer: `pino: ${Math.round(count / (pinoMs / 1000)).toLocaleString("en")} ev/s (${(pinoMs / 1000).toFixed(2)} s)`,
    ratio: compareDurations(batchedMs, pinoMs),
    goal: "within 2x of pino",
    met: ratio <= 2,
  });

  context.log("fsync mode latency");
  rows.push(
    ...(await fsyncLatency(
      join(context.dir, "fsync-home"),
      join(context.dir, "raw.jsonl"),
      context.quick ? 200 : 2000,
    )),
  );

  const files = listDayFiles(dir).map((file) => join(dir, file));
  const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  notes.push(
    `trail: ${files.length} day files, ${(bytes / 2 ** 20).toFixed(0)} MiB for ${count.toLocaleString("en")} events`,
  );

  if (jqAvailable()) {
    for (const [label, query, filter] of [
      ["query by type (login)", { eventType: "login" as const }, 'select(.event_type == "login")'],
      ["query by user (user42)", { username: "user42" }, 'select(.username == "user42")'],
    ] as const) {
      context.log(label);
      const [ms, matches] = await timeQuery(dir, query);
      const jqMs = timeJq(files, filter);
      rows.push({
        metric: `${label}: ${matches.toLocaleString("en")} matches`,
        vigil: formatMicros(ms * 1000),
        peer: `jq: ${formatMicros(jqMs * 1000)}`,
        ratio: compareDurations(ms, jqMs),
        goal: ">= 5x faster than jq",
        met: jqMs / ms >= 5,
      });
    }
  } else {
    notes.push("jq is not installed: query peers skipped");
  }

  context.log("verify");
  const keys = await resolveAuditKeys({ sealKey: SEAL_KEY }, dir);
  const start = performance.now();
  const report = verifyTrail(dir, { keys });
  const verifyMs = performance.now() - start;
  if (!report.intact) throw new Error(`bench trail does not verify: ${report.firstBreak?.message}`);
  // The floor under any verification: read every byte once and hash it (coreutils sha256sum).
  const hashStart = performance.now();
  const hashed = spawnSync("sha256sum", files, { stdio: "ignore" }).status === 0;
  const hashMs = performance.now() - hashStart;
  rows.push({
    metric: `verify ${report.lines.toLocaleString("en")} lines (hash, chain, MAC, seals, head)`,
    vigil: formatMicros(verifyMs * 1000),
    ...(hashed
      ? {
          peer: `sha256sum of the same files: ${formatMicros(hashMs * 1000)}`,
          ratio: compareDurations(verifyMs, hashMs),
        }
      : {}),
    goal: count === 1_000_000 ? "< 5 s" : "< 5 s at 1,000,000",
    ...(count === 1_000_000 ? { met: verifyMs < 5000 } : {}),
  });

  notes.push(
    "pino writes through sonic-boom asynchronously and is fsynced once at the end; vigil fsyncs every batch (group commit) and chains, hashes and MACs every line; the vigil loop yields every 1,024 events",
  );
  return { title: "Audit trail", rows, notes };
}
