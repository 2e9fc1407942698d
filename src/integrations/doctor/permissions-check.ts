import { existsSync, statSync } from "node:fs";
import type { DoctorScope, Finding } from "./finding.js";

/** Checks that the data directory is 0700 and every file in it 0600-or-stricter. */
export function checkPermissions(scope: DoctorScope): Finding[] {
  if (!existsSync(scope.home)) {
    return [
      {
        check: "data-directory",
        severity: "warning",
        message: `no data directory at ${scope.home}`,
        fix: "run 'vigil init'",
      },
    ];
  }
  const findings: Finding[] = [];
  const loose = (path: string) => (statSync(path).mode & 0o077) !== 0;
  if (loose(scope.home)) {
    findings.push({
      check: "data-directory-permissions",
      severity: "error",
      message: "the data directory is accessible by other users",
      fix: `chmod 700 ${scope.home}`,
      location: scope.home,
    });
  }
  if (existsSync(scope.vaultPath) && loose(scope.vaultPath)) {
    findings.push({
      check: "vault-permissions",
      severity: "error",
      message: "the vault file is accessible by other users",
      fix: `chmod 600 ${scope.vaultPath}`,
      location: scope.vaultPath,
    });
  }
  return findings;
}
