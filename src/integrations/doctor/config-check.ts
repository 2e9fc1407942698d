import { loadConfig } from "../../config/index.js";
import { isVigilError } from "../../errors.js";
import type { DoctorScope, Finding } from "./finding.js";

/** Checks that the configuration (file and environment) validates against the schema. */
export function checkConfig(scope: DoctorScope): Finding[] {
  try {
    loadConfig({
      cwd: scope.projectDir,
      ...(scope.configFile === undefined ? {} : { file: scope.configFile }),
    });
    return [];
  } catch (error) {
    if (!isVigilError(error, "E_CONFIG")) throw error;
    return [
      {
        check: "config",
        severity: "error",
        message: error.message,
        fix: "correct the named setting; 'vigil config schema' lists every key",
      },
    ];
  }
}
