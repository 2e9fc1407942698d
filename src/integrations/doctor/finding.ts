/** How bad a doctor finding is. Errors and warnings make `vigil doctor` exit non-zero. */
export type FindingSeverity = "error" | "warning" | "info";

/** One thing the doctor found, with how to fix it. Never carries a secret value. */
export interface Finding {
  /** Stable identifier, e.g. "plain-secret", "vault-permissions". */
  readonly check: string;
  readonly severity: FindingSeverity;
  readonly message: string;
  /** What to do about it; absent for purely informative findings. */
  readonly fix?: string;
  /** Where: a path, optionally with a line. */
  readonly location?: string;
}

import type { VigilConfig } from "../../config/index.js";

/** What every check receives. */
export interface DoctorScope {
  /** The effective configuration. */
  readonly config: VigilConfig;
  /** The project folder to scan for plain secrets and git exposure. */
  readonly projectDir: string;
  /** The data directory. */
  readonly home: string;
  /** The vault file. */
  readonly vaultPath: string;
  /** An explicit config file, when one was named. */
  readonly configFile?: string;
  /** The master password, when one is available without asking (environment or 0600 file). */
  readonly masterPassword?: string;
}

/** A doctor check: pure inspection, never a change. */
export type DoctorCheck = (scope: DoctorScope) => Promise<Finding[]> | Finding[];
