import { existsSync } from "node:fs";
import { join } from "node:path";
import { AccountMonitor } from "../../monitor/index.js";
import type { DoctorScope, Finding } from "./finding.js";

/** Reports the account's health score from the monitor's database, when there is one. */
export async function checkAccountHealth(scope: DoctorScope): Promise<Finding[]> {
  const database = scope.config.accountMonitoring.database ?? join(scope.home, "monitor.sqlite");
  if (!existsSync(database)) return [];
  const monitor = new AccountMonitor({ home: scope.home, config: scope.config, database });
  try {
    const health = await monitor.getHealthStatus();
    const active = health.anomalies.map((anomaly) => anomaly.type).join(", ");
    return [
      {
        check: "account-health",
        severity:
          health.status === "healthy" ? "info" : health.status === "warning" ? "warning" : "error",
        message: `account health ${health.healthScore}/100 (${health.status})${active ? `: ${active}` : ""}`,
        ...(health.status === "healthy"
          ? {}
          : { fix: "pause the bot; 'vigil monitor anomalies' explains each one" }),
      },
    ];
  } finally {
    monitor.close();
  }
}
