import { join } from "node:path";
import { afterEach } from "vitest";
import type { AuditSink, AuditSinkEvent } from "../../src/audit-sink.js";
import { ManualClock } from "../../src/clock.js";
import { parseConfig, type VigilConfig } from "../../src/config/index.js";
import { AccountMonitor, type AccountMonitorOptions } from "../../src/monitor/index.js";
import { makeTempDir } from "../helpers/temp-home.js";

/** An audit sink that keeps what it is told, to check what the monitor reports. */
export class CollectingSink implements AuditSink {
  readonly events: AuditSinkEvent[] = [];
  record(event: AuditSinkEvent): void {
    this.events.push(event);
  }
}

/** Milliseconds in a minute and an hour. */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

const opened: AccountMonitor[] = [];
afterEach(() => {
  for (const monitor of opened.splice(0)) monitor.close();
});

/** A config with `accountMonitoring` overrides on top of the defaults. */
export function monitorConfig(accountMonitoring: Record<string, unknown> = {}): VigilConfig {
  return parseConfig({ accountMonitoring });
}

/**
 * A monitor on a fresh temp home with a ManualClock at `start` (UTC) and jitter 0 unless a
 * random source is given. Closed after the test.
 */
export function makeMonitor(
  options: {
    start?: string;
    accountMonitoring?: Record<string, unknown>;
    home?: string;
    clock?: ManualClock;
  } & Omit<AccountMonitorOptions, "clock" | "home" | "config"> = {},
): { monitor: AccountMonitor; clock: ManualClock; home: string; sink: CollectingSink } {
  const { start, accountMonitoring, home: givenHome, clock: givenClock, ...rest } = options;
  const clock = givenClock ?? new ManualClock(Date.parse(start ?? "2026-03-02T10:00:00Z"));
  const home = givenHome ?? join(makeTempDir("vigil-monitor-"), ".vigil");
  const sink = new CollectingSink();
  const monitor = new AccountMonitor({
    home,
    clock,
    config: monitorConfig(accountMonitoring),
    audit: sink,
    random: () => 0,
    ...rest,
  });
  opened.push(monitor);
  return { monitor, clock, home, sink };
}

/** Records `count` applications, `gapMs` apart, starting now (the clock moves). */
export async function applyMany(
  monitor: AccountMonitor,
  clock: ManualClock,
  count: number,
  gapMs: number,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (i > 0) clock.advance(gapMs);
    await monitor.recordApplication(`Company${i}`, "Engineer");
  }
}

/** The anomaly types active now, sorted. */
export async function activeTypes(monitor: AccountMonitor): Promise<string[]> {
  return (await monitor.detectSuspiciousPatterns()).map((anomaly) => anomaly.type).sort();
}
