import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AuditLogger, type AuditLoggerOptions } from "../../src/audit/index.js";
import { ManualClock } from "../../src/clock.js";
import { parseConfig, type VigilConfigInput } from "../../src/config/index.js";
import { makeTempDir } from "../helpers/temp-home.js";

/** A fixed seal key for tests (never a real secret). */
export const TEST_SEAL_KEY = Buffer.alloc(32, 7);

/** A logger in a fresh temp home with a manual clock, keyed unless `keys: undefined` is asked. */
export function makeLogger(
  options: Partial<AuditLoggerOptions> & { configInput?: VigilConfigInput; keyed?: boolean } = {},
): { logger: AuditLogger; clock: ManualClock; home: string; dir: string } {
  const home = options.home ?? makeTempDir("vigil-audit-");
  const clock =
    (options.clock as ManualClock | undefined) ??
    new ManualClock(Date.parse("2026-03-01T10:00:00.000Z"));
  const config = parseConfig(options.configInput ?? {});
  const { configInput, keyed, ...rest } = options;
  const logger = new AuditLogger({
    home,
    config,
    clock,
    ...(keyed === false ? {} : { keys: { sealKey: TEST_SEAL_KEY } }),
    ...rest,
  });
  return { logger, clock, home, dir: join(home, "audit") };
}

/** A random 32-byte key unrelated to the trail's (an attacker's). */
export function attackerKey(): Buffer {
  return randomBytes(32);
}

/** The lines of a day file. */
export function readLines(dir: string, file: string): string[] {
  return readFileSync(join(dir, file), "utf8")
    .split("\n")
    .filter((line) => line !== "");
}

/** Replaces a day file's lines. */
export function writeLines(dir: string, file: string, lines: readonly string[]): void {
  writeFileSync(join(dir, file), lines.length === 0 ? "" : `${lines.join("\n")}\n`);
}
