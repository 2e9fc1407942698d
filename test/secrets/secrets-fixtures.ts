import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AuditSink, AuditSinkEvent } from "../../src/audit-sink.js";
import { ManualClock } from "../../src/clock.js";
import { parseConfig, type VigilConfig } from "../../src/config/index.js";
import { SecretsManager, type SecretsManagerOptions } from "../../src/secrets/index.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { FAST_KDF, makeTempDir, TEST_PASSWORD } from "../helpers/temp-home.js";

export const DAY_MS = 24 * 60 * 60 * 1000;
export const START_MS = Date.parse("2026-03-01T09:00:00.000Z");

/** An audit sink that keeps what it receives: a real sink, standing in for the audit trail. */
export class CollectingSink implements AuditSink {
  readonly events: AuditSinkEvent[] = [];
  record(event: AuditSinkEvent): void {
    this.events.push(structuredClone(event));
  }
  ofType(eventType: AuditSinkEvent["eventType"]): AuditSinkEvent[] {
    return this.events.filter((event) => event.eventType === eventType);
  }
}

/** The test configuration: fast KDF plus `secretsRotation` overrides. */
export function secretsConfig(secretsRotation: Record<string, unknown> = {}): VigilConfig {
  return parseConfig({ vault: { kdf: FAST_KDF }, secretsRotation });
}

export interface Setup {
  readonly home: string;
  readonly clock: ManualClock;
  readonly config: VigilConfig;
  readonly sink: CollectingSink;
  readonly vault: EncryptedVault;
  readonly manager: SecretsManager;
  /** Another vault handle and manager on the same file, as a second process would have. */
  second(options?: Partial<SecretsManagerOptions>): {
    vault: EncryptedVault;
    manager: SecretsManager;
  };
}

/** A vault in a fresh temp home with a manual clock, a collecting sink and a manager. */
export function setup(
  options: {
    secretsRotation?: Record<string, unknown>;
    manager?: Partial<SecretsManagerOptions>;
  } = {},
): Setup {
  const home = join(makeTempDir(), ".vigil");
  const clock = new ManualClock(START_MS);
  const config = secretsConfig(options.secretsRotation);
  const sink = new CollectingSink();
  const open = () =>
    new EncryptedVault({
      home,
      masterPassword: TEST_PASSWORD,
      config,
      env: {},
      clock,
      audit: sink,
    });
  const vault = open();
  const manager = new SecretsManager(vault, {
    config,
    clock,
    audit: sink,
    actor: "tester",
    ...options.manager,
  });
  return {
    home,
    clock,
    config,
    sink,
    vault,
    manager,
    second(extra = {}) {
      const other = open();
      return {
        vault: other,
        manager: new SecretsManager(other, {
          config,
          clock,
          audit: sink,
          actor: "other",
          ...extra,
        }),
      };
    },
  };
}

/** Writes an executable script into a temp folder and returns its path. */
export function writeScript(body: string, name = "rotator.sh"): string {
  const path = join(makeTempDir("vigil-script-"), name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}
