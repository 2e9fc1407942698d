import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccountMonitor } from "../../src/monitor/index.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { monitorConfig } from "./monitor-fixtures.js";

const MONITOR_MODULE = join(import.meta.dirname, "..", "..", "dist", "monitor", "index.js");

/*
 * Each child opens its own AccountMonitor on the shared home (real clock), records
 * `count` applications and errors as fast as it can, and prints how many alerts it saw.
 */
const CHILD = `
import { AccountMonitor } from ${JSON.stringify(MONITOR_MODULE)};
import { parseConfig } from ${JSON.stringify(join(import.meta.dirname, "..", "..", "dist", "config", "index.js"))};
const [home, count, label] = process.argv.slice(1);
// No unusual-hours range, so a run at night sees the same three anomalies.
const config = parseConfig({ accountMonitoring: { thresholds: { unusualHoursEnd: 0 } } });
const monitor = new AccountMonitor({ home, config });
let alerts = 0;
monitor.onAnomaly(() => alerts++);
for (let i = 0; i < Number(count); i++) {
  await monitor.recordApplication(label + "-" + i, "Engineer");
  await monitor.recordError("selenium", "stale element " + i);
}
monitor.close();
process.stdout.write(JSON.stringify({ alerts }));
`;

function runChild(home: string, count: number, label: string): Promise<{ alerts: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", CHILD, home, String(count), label],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as { alerts: number });
      else reject(new Error(`child exited ${code}: ${stderr}`));
    });
  });
}

describe("several processes", () => {
  it("record into one database without losing events, and alert once between them", async () => {
    const home = join(makeTempDir("vigil-monitor-mp-"), ".vigil");
    const processes = 4;
    const perProcess = 40;

    const results = await Promise.all(
      Array.from({ length: processes }, (_, index) => runChild(home, perProcess, `p${index}`)),
    );

    const monitor = new AccountMonitor({ home, config: monitorConfig() });
    try {
      const summary = await monitor.getActivitySummary({ hours: 1 });
      expect(summary.applications.count).toBe(processes * perProcess);
      expect(summary.errors.count).toBe(processes * perProcess);
      const active = (await monitor.detectSuspiciousPatterns()).map((a) => a.type).sort();
      expect(active).toEqual(
        expect.arrayContaining(["burst_activity", "daily_limit", "error_spike"]),
      );
    } finally {
      monitor.close();
    }
    // burst_activity, error_spike and daily_limit each started once across all processes.
    const totalAlerts = results.reduce((sum, result) => sum + result.alerts, 0);
    expect(totalAlerts).toBe(3);
  });
});
