import { existsSync } from "node:fs";
import { join } from "node:path";
import { AuditLogger } from "../../audit/index.js";
import { EncryptedVault } from "../../vault/index.js";
import type { DoctorScope, Finding } from "./finding.js";

/**
 * Verifies the audit chain; with the master password, its keyed seals too.
 */
export async function checkAuditTrail(scope: DoctorScope): Promise<Finding[]> {
  const directory = scope.config.auditLogging.logDirectory ?? join(scope.home, "audit");
  if (!existsSync(directory)) return [];
  const vault =
    scope.masterPassword !== undefined && existsSync(scope.vaultPath)
      ? new EncryptedVault({
          home: scope.home,
          file: scope.vaultPath,
          config: scope.config,
          masterPassword: scope.masterPassword,
          create: false,
        })
      : undefined;
  const trail = new AuditLogger({
    home: scope.home,
    config: scope.config,
    syslog: false,
    ...(vault === undefined ? {} : { keys: vault }),
  });
  try {
    const report = await trail.verify();
    if (!report.intact) {
      const where = report.firstBreak;
      return [
        {
          check: "audit-chain",
          severity: "error",
          message: `the audit trail is broken: ${where?.message ?? "unknown break"}`,
          fix: "keep the trail as evidence; compare it with a backup or your SIEM's copy",
          ...(where === undefined ? {} : { location: `${where.file}:${where.line}` }),
        },
      ];
    }
    return [
      {
        check: "audit-chain",
        severity: "info",
        message:
          `audit trail intact: ${report.events} events in ${report.files} files` +
          (report.keyChecked ? ", seals checked with the vault key" : ", chain only (no password)"),
      },
    ];
  } finally {
    await trail.close();
    vault?.close();
  }
}
