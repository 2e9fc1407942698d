/*
 * The account monitor's costs, each beside a peer measured in the same run:
 * - recording an application (with and without running the detectors after it) vs a bare
 *   better-sqlite3 INSERT of the same row into the same WAL database settings, and vs appending
 *   the event as a JSON line (what a file-based monitor would do);
 * - detectSuspiciousPatterns, getHealthStatus and checkPace on a database holding a year of
 *   heavy use, vs answering only the burst question by scanning a JSON-lines log of that year.
 */
import { appendFileSync, closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ManualClock } from "../src/clock.js";
import { parseConfig } from "../src/config/index.js";
import { AccountMonitor, ActivityStore, type NewActivity } from "../src/monitor/index.js";
import {
  type BenchContext,
  type BenchRow,
  type BenchSection,
  compareDurations,
  formatMicros,
  percentile,
  sampleMicros,
} from "./bench-kit.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.parse("2025-03-01T00:00:00Z");

/** One day of heavy use: 60 applications, 6 logins (1 failed), 20 errors, 200 API calls. */
function heavyDay(dayStart: number): NewActivity[] {
  const events: NewActivity[] = [];
  const workStart = dayStart + 8 * HOUR;
  for (let i = 0; i < 60; i++) {
    events.push({
      at: workStart + i * 8 * MINUTE,
      kind: "application",
      success: i % 10 !== 0,
      subject: `Company${i}`,
      detail: "Senior Engineer",
      jobId: String(3_800_000_000 + i),
      jitterMs: 10_000,
    });
  }
  for (let i = 0; i < 6; i++) {
    events.push({
      at: workStart + i * 90 * MINUTE,
      kind: "login",
      success: i !== 3,
      subject: "jane",
      ip: `198.51.100.${i}`,
      place: "198.51.100.0/24",
    });
  }
  for (let i = 0; i < 20; i++) {
    events.push({
      at: workStart + i * 24 * MINUTE,
      kind: "error",
      subject: "selenium",
      detail: "Stale element reference",
    });
  }
  for (let i = 0; i < 200; i++) {
    events.push({
      at: workStart + i * 2 * MINUTE + 7_000,
      kind: "api_call",
      success: true,
      subject: "linkedin",
      statusCode: i % 97 === 0 ? 429 : 200,
      detail: "/voyager/api/jobs",
    });
  }
  return events.sort((a, b) => a.at - b.at);
}

async function measureRecording(context: BenchContext): Promise<BenchRow[]> {
  const count = context.quick ? 500 : 5_000;
  const config = parseConfig({ accountMonitoring: { retentionDays: 400 } });

  const timeMonitor = async (name: string, detectOnRecord: boolean) => {
    const clock = new ManualClock(START);
    const monitor = new AccountMonitor({
      home: join(context.dir, name),
      clock,
      config,
      detectOnRecord,
    });
    await monitor.recordLogout("warm-up");
    const samples = await sampleMicros(count, async (i) => {
      clock.advance(2 * MINUTE);
      await monitor.recordApplication(`Company${i}`, "Senior Engineer", { jobId: String(i) });
    });
    monitor.close();
    return samples;
  };
  const withDetect = await timeMonitor("with-detect", true);
  const recordOnly = await timeMonitor("record-only", false);

  // Peer 1: the same row through a bare prepared INSERT, same pragmas and index.
  const db = new Database(join(context.dir, "raw.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(
    "CREATE TABLE events (id INTEGER PRIMARY KEY, at INTEGER, kind TEXT, success INTEGER, subject TEXT, detail TEXT, job_id TEXT, jitter_ms INTEGER); CREATE INDEX events_kind_at ON events (kind, at);",
  );
  const insert = db.prepare(
    "INSERT INTO events (at, kind, success, subject, detail, job_id, jitter_ms) VALUES (?, 'application', 1, ?, ?, ?, ?)",
  );
  const raw = await sampleMicros(count, (i) =>
    insert.run(START + i * 2 * MINUTE, `Company${i}`, "Senior Engineer", String(i), 0),
  );
  db.close();

  // Peer 2: one JSON line appended per event (no fsync, like the WAL's NORMAL mode).
  const jsonl = join(context.dir, "events.jsonl");
  const fd = openSync(jsonl, "a", 0o600);
  const appended = await sampleMicros(count, (i) =>
    writeSync(
      fd,
      `${JSON.stringify({ at: START + i * 2 * MINUTE, kind: "application", success: true, subject: `Company${i}`, detail: "Senior Engineer", jobId: String(i) })}\n`,
    ),
  );
  closeSync(fd);

  const median = (samples: number[]) => percentile(samples, 50);
  const perSecond = (samples: number[]) =>
    `${Math.round(1e6 / (samples.reduce((a, b) => a + b, 0) / samples.length)).toLocaleString("en-US")}/s mean`;
  return [
    {
      metric: `recordApplication + detectors, median (${count} events)`,
      vigil: `${formatMicros(median(withDetect))} (${perSecond(withDetect)})`,
      peer: `raw INSERT ${formatMicros(median(raw))} (${perSecond(raw)})`,
      ratio: compareDurations(median(withDetect), median(raw)),
    },
    {
      metric: "recordApplication without detectors (detectOnRecord: false), median",
      vigil: `${formatMicros(median(recordOnly))} (${perSecond(recordOnly)})`,
      peer: `raw INSERT ${formatMicros(median(raw))} (${perSecond(raw)})`,
      ratio: compareDurations(median(recordOnly), median(raw)),
    },
    {
      metric: "recordApplication without detectors vs a JSON-lines append, median",
      vigil: formatMicros(median(recordOnly)),
      peer: `JSONL append ${formatMicros(median(appended))}`,
      ratio: compareDurations(median(recordOnly), median(appended)),
    },
  ];
}

async function measureDetection(
  context: BenchContext,
): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const days = context.quick ? 30 : 365;
  const samples = context.quick ? 50 : 300;
  const home = join(context.dir, "year");
  const store = new ActivityStore(join(home, "monitor.sqlite"));
  const jsonl = join(context.dir, "year.jsonl");
  let total = 0;
  for (let day = 0; day < days; day++) {
    const events = heavyDay(START + day * DAY);
    store.insertMany(events);
    appendFileSync(jsonl, `${events.map((event) => JSON.stringify(event)).join("\n")}\n`);
    total += events.length;
  }
  store.close();
  context.log(`populated ${total.toLocaleString("en-US")} events over ${days} days`);

  // Judge at 12:30 on the last day: mid-session, with every window populated.
  const clock = new ManualClock(START + (days - 1) * DAY + 12.5 * HOUR);
  const monitor = new AccountMonitor({
    home,
    clock,
    config: parseConfig({ accountMonitoring: { retentionDays: 400 } }),
  });
  await monitor.detectSuspiciousPatterns();
  const detect = await sampleMicros(samples, () => monitor.detectSuspiciousPatterns());
  const health = await sampleMicros(samples, () => monitor.getHealthStatus());
  const pace = await sampleMicros(samples, () => monitor.checkPace());
  const summary = await sampleMicros(Math.ceil(samples / 5), () =>
    monitor.getActivitySummary({ hours: 24 }),
  );
  const found = (await monitor.detectSuspiciousPatterns()).map((anomaly) => anomaly.type);
  monitor.close();

  // Peer for the summary: the bare grouped count of the same 24 hours on the same database.
  const raw = new Database(join(home, "monitor.sqlite"), { readonly: true });
  const grouped = raw.prepare(
    "SELECT kind, count(*) AS n, sum(success) AS ok FROM events WHERE at > ? AND at <= ? GROUP BY kind",
  );
  const summaryFloor = await sampleMicros(Math.ceil(samples / 5), () =>
    grouped.all(clock.now() - DAY, clock.now()),
  );
  raw.close();

  // Peer: a file-based monitor answering only "applications in the last hour" from its log.
  const now = clock.now();
  const scan = await sampleMicros(context.quick ? 3 : 5, () => {
    let inHour = 0;
    for (const line of readFileSync(jsonl, "utf8").split("\n")) {
      if (line === "") continue;
      const event = JSON.parse(line) as { at: number; kind: string };
      if (event.kind === "application" && event.at > now - HOUR && event.at <= now) inHour++;
    }
    return inHour;
  });

  const goalMs = 5;
  const p50 = percentile(detect, 50);
  const p99 = percentile(detect, 99);
  return {
    rows: [
      {
        metric: `detectSuspiciousPatterns, ${days} days (${total.toLocaleString("en-US")} events), p50`,
        vigil: formatMicros(p50),
        peer: `JSONL scan, burst only: ${formatMicros(percentile(scan, 50))}`,
        ratio: compareDurations(p50, percentile(scan, 50)),
        goal: `< ${goalMs} ms`,
        met: p50 < goalMs * 1000,
      },
      {
        metric: "detectSuspiciousPatterns, p99",
        vigil: formatMicros(p99),
        goal: `< ${goalMs} ms`,
        met: p99 < goalMs * 1000,
      },
      { metric: "getHealthStatus, p50", vigil: formatMicros(percentile(health, 50)) },
      { metric: "checkPace, p50", vigil: formatMicros(percentile(pace, 50)) },
      {
        metric: "getActivitySummary({ hours: 24 }), p50",
        vigil: formatMicros(percentile(summary, 50)),
        peer: `${formatMicros(percentile(summaryFloor, 50))} (bare GROUP BY kind over the same 24 h)`,
        ratio: compareDurations(percentile(summary, 50), percentile(summaryFloor, 50)),
      },
    ],
    notes: [
      `A heavy day: 60 applications, 6 logins, 20 errors, 200 API calls; anomalies active at the judged moment: ${found.join(", ") || "none"}.`,
      "Every detector reads an indexed (kind, time) window, so the cost follows the window, not the history.",
      "getHealthStatus and checkPace have no outside peer: no other tool computes a health score or a pacing decision; their cost is read against detectSuspiciousPatterns, which they build on.",
    ],
  };
}

/** The monitor benchmark section. */
export default async function monitorBench(context: BenchContext): Promise<BenchSection> {
  const recording = await measureRecording(context);
  const detection = await measureDetection(context);
  return {
    title: "Account monitor",
    rows: [...recording, ...detection.rows],
    notes: [
      "Recording peers use the same WAL + synchronous=NORMAL settings; the monitor adds validation, text scrubbing, jitter and (by default) a detector pass with the shared alert state in one transaction.",
      ...detection.notes,
    ],
  };
}
