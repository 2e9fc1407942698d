import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { MINIMUM_ARGON2ID } from "../../src/crypto/index.js";

/** A strong master password for tests (zxcvbn score 4, over 12 characters). */
export const TEST_PASSWORD = "orbit-lantern-quietly-47-marble";

/** The cheapest KDF a vault accepts, so tests unlock in tens of milliseconds. */
export const FAST_KDF = MINIMUM_ARGON2ID;

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the OS temp dir, removed after the current test. */
export function makeTempDir(prefix = "vigil-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * A temp folder holding `vigil.config.json` (fast KDF, plus `extra` sections) and the path of a
 * data directory inside it (not yet created).
 */
export function makeProject(extra: Record<string, unknown> = {}): {
  dir: string;
  home: string;
  configPath: string;
} {
  const dir = makeTempDir();
  const configPath = join(dir, "vigil.config.json");
  const vault = { kdf: FAST_KDF, ...((extra.vault as object | undefined) ?? {}) };
  writeFileSync(configPath, JSON.stringify({ ...extra, vault }, null, 2));
  return { dir, home: join(dir, ".vigil"), configPath };
}
