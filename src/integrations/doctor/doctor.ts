import { isVigilError } from "../../errors.js";
import { checkConfig } from "./config-check.js";
import type { DoctorCheck, DoctorScope, Finding } from "./finding.js";
import { checkGitExposure } from "./git-exposure-check.js";
import { checkAccountHealth } from "./health-check.js";
import { checkPermissions } from "./permissions-check.js";
import { checkPlainSecrets } from "./plain-secrets-check.js";
import { checkDueRotations } from "./rotation-check.js";
import { checkAuditTrail } from "./trail-check.js";
import { checkVault } from "./vault-check.js";

/** The checks every doctor run makes, in report order. */
export const BUILT_IN_CHECKS: readonly DoctorCheck[] = [
  checkConfig,
  checkPermissions,
  checkVault,
  checkGitExposure,
  checkPlainSecrets,
  checkDueRotations,
  checkAuditTrail,
  checkAccountHealth,
];

/** The outcome of {@link runDoctor}. */
export interface DoctorReport {
  readonly findings: readonly Finding[];
  /** True when no finding is an error or a warning. */
  readonly healthy: boolean;
}

/**
 * Runs `checks` (default: {@link BUILT_IN_CHECKS}) plus `extra` ones and gathers their findings.
 * A check that throws becomes an error finding instead of stopping the others.
 *
 * @example
 * const report = await runDoctor({ projectDir: process.cwd(), home, vaultPath });
 */
export async function runDoctor(
  scope: DoctorScope,
  extra: readonly DoctorCheck[] = [],
): Promise<DoctorReport> {
  const findings: Finding[] = [];
  for (const check of [...BUILT_IN_CHECKS, ...extra]) {
    try {
      findings.push(...(await check(scope)));
    } catch (error) {
      findings.push({
        check: check.name || "check",
        severity: "error",
        // A vigil error's message is safe to show; a foreign one may quote input, so only its name.
        message: isVigilError(error)
          ? `the check could not run: ${error.message}`
          : `the check could not run (${error instanceof Error ? error.name : "error"})`,
      });
    }
  }
  const healthy = findings.every((finding) => finding.severity === "info");
  return { findings, healthy };
}
