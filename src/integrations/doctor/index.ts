export { BUILT_IN_CHECKS, type DoctorReport, runDoctor } from "./doctor.js";
export type { DoctorCheck, DoctorScope, Finding, FindingSeverity } from "./finding.js";
