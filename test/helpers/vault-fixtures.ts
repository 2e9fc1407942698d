import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseConfig, type VigilConfig } from "../../src/config/index.js";
import { EncryptedVault, type EncryptedVaultOptions } from "../../src/vault/index.js";
import { FAST_KDF, makeTempDir, TEST_PASSWORD } from "./temp-home.js";

/** A configuration for tests: the fast KDF plus any `vault` overrides. */
export function testConfig(vault: Record<string, unknown> = {}): VigilConfig {
  return parseConfig({ vault: { kdf: FAST_KDF, ...vault } });
}

/**
 * A vault in a fresh temp home (not yet created on disk) with the fast KDF, the test password
 * and an empty environment, so nothing leaks in from the developer's shell.
 */
export function makeVault(options: Partial<EncryptedVaultOptions> = {}): EncryptedVault {
  const home = options.home ?? join(makeTempDir(), ".vigil");
  return new EncryptedVault({
    home,
    masterPassword: TEST_PASSWORD,
    config: testConfig(),
    env: {},
    ...options,
  });
}

/** Opens a second handle on an existing vault, as another process would. */
export function reopenVault(
  vault: EncryptedVault,
  options: Partial<EncryptedVaultOptions> = {},
): EncryptedVault {
  return makeVault({ home: vault.home, create: false, ...options });
}

/**
 * Byte ranges of a version 1 vault file whose payload ciphertext is `payloadLength` bytes
 * (see docs/vault-format.md). Ends are exclusive.
 */
export function formatRegions(
  payloadLength: number,
): { name: string; start: number; end: number }[] {
  const n = payloadLength;
  return [
    { name: "magic", start: 0, end: 8 },
    { name: "format version", start: 8, end: 10 },
    { name: "kdf id", start: 10, end: 11 },
    { name: "reserved byte", start: 11, end: 12 },
    { name: "kdf memory", start: 12, end: 16 },
    { name: "kdf iterations", start: 16, end: 20 },
    { name: "kdf parallelism", start: 20, end: 24 },
    { name: "salt", start: 24, end: 40 },
    { name: "wrap nonce", start: 40, end: 52 },
    { name: "wrapped key", start: 52, end: 84 },
    { name: "wrap tag", start: 84, end: 100 },
    { name: "payload nonce", start: 100, end: 112 },
    { name: "payload length", start: 112, end: 116 },
    { name: "payload ciphertext", start: 116, end: 116 + n },
    { name: "payload tag", start: 116 + n, end: 132 + n },
    { name: "checksum", start: 132 + n, end: 164 + n },
  ];
}

/** The payload ciphertext length written in a vault file's header. */
export function payloadLengthOf(file: Buffer): number {
  return file.readUInt32BE(112);
}

/** A copy of `file` with the byte at `offset` XORed with `mask`. */
export function flipByte(file: Buffer, offset: number, mask = 0x01): Buffer {
  const copy = Buffer.from(file);
  copy[offset] = (copy[offset] ?? 0) ^ mask;
  return copy;
}

/**
 * Recomputes the trailing SHA-256, as an attacker who knows the format would after editing the
 * file: only the GCM tags can still catch the change.
 */
export function withRecomputedChecksum(file: Buffer): Buffer {
  const body = file.subarray(0, file.length - 32);
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}

/** What a finished child process produced. */
export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The fixture scripts under test/fixtures/vault/. */
export const VAULT_FIXTURES = join(import.meta.dirname, "..", "fixtures", "vault");

/**
 * Runs a TypeScript fixture with `node --import tsx` (so it exercises the source, not `dist/`).
 * `onLine` sees each stdout line as it arrives and may kill the child (SIGKILL).
 */
export function runFixture(
  script: string,
  args: readonly string[],
  options: {
    env?: Record<string, string>;
    onLine?: (line: string, kill: () => void) => void;
    /** Called once the child is spawned, e.g. to kill it after a delay. */
    onStart?: (kill: () => void) => void;
  } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(VAULT_FIXTURES, script), ...args],
      {
        env: { PATH: process.env.PATH ?? "", ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const kill = () => child.kill("SIGKILL");
    options.onStart?.(kill);
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      stdout += text;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) options.onLine?.(line, kill);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
