import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { AuditLogger } from "../audit/index.js";
import type { AuditSinkEvent } from "../audit-sink.js";
import { ManualClock } from "../clock.js";
import { parseConfig } from "../config/index.js";
import { randomString } from "../crypto/index.js";
import { isVigilError } from "../errors.js";
import { AccountMonitor } from "../monitor/index.js";
import { SecretsManager } from "../secrets/index.js";
import { EncryptedVault } from "../vault/index.js";
import { importCredentials } from "./import-credentials.js";
import { runWithCredentials } from "./run-child.js";

/** Options for {@link runDemo}. */
export interface DemoOptions {
  /** Receives each line the demo wants shown. */
  readonly report: (line: string) => void;
  /** Keep the throwaway project folder instead of deleting it. Default false. */
  readonly keep?: boolean;
}

type Report = (line: string) => void;

/** Thrown when a step of the demo did not behave as promised. */
class DemoExpectationError extends Error {
  override readonly name = "DemoExpectationError";
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new DemoExpectationError(`demo expectation failed: ${what}`);
}

/**
 * A simulated bot day on a throwaway project folder: init, import of a plain secrets.py, a
 * rotation, `vigil run` with masking, a paced morning, a careless burst and its anomaly, paced
 * recovery, audit verification (and a tampered copy caught), and health. Values are made up on
 * the spot and shown only masked; the monitor runs on a simulated clock so the day takes seconds.
 *
 * @returns the project folder used (already deleted unless `keep`).
 * @throws {Error} when a step does not behave as documented (the demo doubles as a smoke test).
 */
export async function runDemo(options: DemoOptions): Promise<string> {
  const { report } = options;
  const project = mkdtempSync(join(tmpdir(), "vigil-demo-"));
  const home = join(project, ".vigil");
  const config = parseConfig({ home, auditLogging: { durability: "fsync" } });
  const password = [1, 2, 3, 4].map(() => randomString(6)).join("-");
  report(`vigil demo: a simulated bot day in a throwaway data directory ${home}`);

  // The trail takes its keys from the vault and the vault reports to the trail: a forwarding
  // sink breaks the cycle.
  let audit: AuditLogger | undefined;
  const sink = { record: (event: AuditSinkEvent) => audit?.record(event) };
  const vault = new EncryptedVault({
    home,
    config,
    masterPassword: password,
    env: {},
    audit: sink,
  });
  audit = new AuditLogger({ home, config, keys: vault, syslog: false });
  try {
    await vaultTour(vault, home, password, audit, report);
    await importTour(vault, project, audit, report);
    await rotationTour(vault, audit, report);
    await runTour(vault, audit, report);
    await monitorTour(home, config, audit, report);
    await auditTour(audit, home, vault, report);
    return home;
  } finally {
    await audit.close();
    vault.close();
    if (options.keep) report(`kept the demo folder: ${project}`);
    else rmSync(project, { recursive: true, force: true });
  }
}

async function vaultTour(
  vault: EncryptedVault,
  home: string,
  password: string,
  audit: AuditLogger,
  report: Report,
): Promise<void> {
  report("\n== 1. Encrypted vault");
  await vault.unlock();
  report("created the vault: Argon2id (64 MiB, 3 passes, 4 lanes) wraps a random AES-256-GCM key");
  const linkedin = randomString(20);
  await vault.setCredential("linkedin_password", linkedin, { tags: ["linkedin"] });
  audit.registerSecretValue(linkedin);
  const read = await vault.getCredential("linkedin_password");
  expect(read === linkedin, "the stored value reads back");
  report(`stored and read back linkedin_password: ${mask(read)}`);

  await vault.setCredential("linkedin_password", randomString(20));
  await vault.rollback("linkedin_password");
  expect((await vault.getCredential("linkedin_password")) === linkedin, "rollback restores");
  const versions = await vault.getHistory("linkedin_password");
  report(
    `changed it by hand and rolled back: ${versions.length} versions kept, values never listed`,
  );

  await expectRefusal(report, "a wrong master password", "E_WRONG_PASSWORD", () =>
    new EncryptedVault({ home, masterPassword: `${password}x`, env: {}, create: false }).unlock(),
  );
  const damaged = join(home, "damaged-vault");
  copyFileSync(vault.path, damaged);
  const bytes = readFileSync(damaged);
  bytes[bytes.length - 60] = (bytes[bytes.length - 60] ?? 0) ^ 0x01;
  writeFileSync(damaged, bytes, { mode: 0o600 });
  await expectRefusal(report, "a vault with one flipped bit", "E_INTEGRITY", () =>
    new EncryptedVault({ home, file: damaged, masterPassword: password, env: {} }).unlock(),
  );
  rmSync(damaged);
}

async function importTour(
  vault: EncryptedVault,
  project: string,
  audit: AuditLogger,
  report: Report,
): Promise<void> {
  report("\n== 2. Migration: a bot's plain config/secrets.py moves into the vault");
  mkdirSync(join(project, "config"));
  const source = join(project, "config", "secrets.py");
  const llmKey = `sk-demo-${randomString(40)}`;
  writeFileSync(
    source,
    [
      "# LinkedIn auto-apply bot secrets (plain text: what vigil replaces)",
      'username = "jobseeker@example.com"',
      `llm_api_key = "${llmKey}"`,
      "",
    ].join("\n"),
  );
  audit.registerSecretValue(llmKey);
  const result = await importCredentials(vault, {
    format: "secrets-py",
    path: source,
    deleteSource: true,
    checkGit: false,
    audit,
  });
  expect(!existsSync(source), "the plain source is deleted after the import");
  report(`imported ${result.imported.map((item) => item.name).join(", ")}; wiped the plain file`);
}

async function rotationTour(vault: EncryptedVault, audit: AuditLogger, report: Report) {
  report("\n== 3. Secrets manager: a rotation that really rotates");
  const secrets = new SecretsManager(vault, { audit });
  await secrets.registerSecret("webhook_secret", {
    rotationDays: 30,
    rotator: { kind: "generate", length: 40 },
  });
  const first = await secrets.rotateSecret("webhook_secret");
  const second = await secrets.rotateSecret("webhook_secret");
  const status = await secrets.getRotationStatus("webhook_secret");
  expect(status.rotationCount === 2, "two rotations counted");
  report(
    `registered webhook_secret (every 30 days, generated values); rotated twice: ` +
      `version ${status.currentVersion}, next rotation in ${status.daysUntilRotation} days`,
  );
  const history = await secrets.getRotationHistory("webhook_secret");
  const fingerprints = history.map((entry) => entry.fingerprint).filter(Boolean);
  report(`history keeps fingerprints, never values: ${fingerprints.length} entries`);
  expect(first !== undefined && second !== undefined, "rotations returned results");
}

async function runTour(vault: EncryptedVault, audit: AuditLogger, report: Report) {
  report("\n== 4. vigil run: the bot gets its key in the environment, never on disk");
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on("data", (chunk: Buffer) => chunks.push(chunk));
  const script = 'process.stdout.write("bot sees OPENAI_API_KEY=" + process.env.OPENAI_API_KEY)';
  const outcome = await runWithCredentials({
    command: process.execPath,
    args: ["-e", script],
    variables: { OPENAI_API_KEY: "vigil://llm_api_key" },
    reader: async () => vault,
    audit,
    stdout: output,
    stderr: output,
    stdin: "ignore",
  });
  const printed = Buffer.concat(chunks).toString("utf8").trim();
  expect(outcome.exitCode === 0, "the bot exits 0");
  expect(printed.includes("<concealed by vigil>"), "the printed key is concealed");
  report(`the bot printed its key; vigil showed: ${printed}`);
}

async function monitorTour(
  home: string,
  config: ReturnType<typeof parseConfig>,
  audit: AuditLogger,
  report: Report,
): Promise<void> {
  report("\n== 5. Account monitor: a simulated day (the clock is simulated, not slept)");
  const clock = new ManualClock(Date.parse("2026-12-01T09:00:00.000Z"));
  const monitor = new AccountMonitor({ home, config, clock, audit, random: () => 0.5 });
  const alerts: string[] = [];
  monitor.onAnomaly((anomaly) => alerts.push(`${anomaly.type} (${anomaly.severity})`));
  try {
    await monitor.recordLogin("jobseeker@example.com", { success: true, ip: "203.0.113.7" });
    const paced = await pacedApplications(monitor, clock, 12);
    const morning = await monitor.getHealthStatus();
    report(
      `09:00 paced morning: 12 applications over ${paced} minutes, the guard set the gaps; ` +
        `health ${morning.healthScore} (${morning.status})`,
    );
    expect(morning.status === "healthy", "a paced morning stays healthy");

    for (let i = 0; i < 25; i++) {
      clock.advance(20_000);
      await monitor.recordApplication(`Careless${i}`, "Engineer");
    }
    const burst = await monitor.getHealthStatus();
    const pace = await monitor.checkPace();
    report(
      `then 25 applications in 8 minutes, ignoring the guard: alert ${alerts.join(", ")}; ` +
        `health ${burst.healthScore} (${burst.status}); pace: ${pace.allow ? "go" : "wait"}, ${pace.reason}`,
    );
    expect(
      alerts.some((alert) => alert.startsWith("burst_activity")),
      "the burst is flagged",
    );
    expect(!pace.allow, "the guard holds the bot back after a burst");

    clock.advance(75 * 60_000);
    const recovered = await monitor.getHealthStatus();
    await pacedApplications(monitor, clock, 3);
    report(
      `75 minutes later the burst has left the window: health ${recovered.healthScore} ` +
        `(${recovered.status}); paced applications resume`,
    );
    expect(recovered.status === "healthy", "health recovers once the burst clears");

    await monitor.recordNotice(
      "You've reached today's Easy Apply limit. Please try again tomorrow.",
    );
    const stopped = await monitor.checkPace();
    report(
      `LinkedIn's daily-limit notice arrives: pace ${stopped.stop ? "stops for the day" : "?"}`,
    );
    expect(stopped.stop, "a daily-limit notice stops the bot");
    const summary = await monitor.getActivitySummary({ hours: 24 });
    report(
      `summary: ${summary.applications.count} applications, ${summary.logins.count} login, ` +
        `${summary.errors.count} errors`,
    );
  } finally {
    monitor.close();
  }
}

/** Applies `count` times, waiting (on the simulated clock) whenever the guard says so. */
async function pacedApplications(monitor: AccountMonitor, clock: ManualClock, count: number) {
  const start = clock.now();
  for (let sent = 0; sent < count; ) {
    const pace = await monitor.checkPace();
    if (!pace.allow) {
      expect(!pace.stop, "a paced bot is never stopped");
      clock.advance(pace.waitMs);
      continue;
    }
    await monitor.recordApplication(`Company${sent}`, "Engineer", { success: true });
    sent += 1;
  }
  return Math.round((clock.now() - start) / 60_000);
}

async function auditTour(audit: AuditLogger, home: string, vault: EncryptedVault, report: Report) {
  report("\n== 6. Audit trail: every step above, chained and sealed");
  await audit.seal("demo");
  const verified = await audit.verify();
  expect(verified.intact && verified.keyChecked, "the trail verifies with its key");
  const burstEvents = await audit.getEvents({ eventType: "suspicious_activity" });
  report(
    `${verified.events} events in ${verified.files} file(s), ${verified.seals} seal(s): intact; ` +
      `${burstEvents.length} suspicious_activity event(s)`,
  );

  const copy = join(home, "audit-copy");
  mkdirSync(copy, { mode: 0o700 });
  for (const name of readdirSync(join(home, "audit"))) {
    copyFileSync(join(home, "audit", name), join(copy, name));
  }
  const day = dayFiles(copy)[0] as string;
  const lines = readFileSync(join(copy, day), "utf8").split("\n");
  lines[2] = (lines[2] ?? "").replace('"description":"', '"description":"(edited) ');
  writeFileSync(join(copy, day), lines.join("\n"));
  const tampered = new AuditLogger({ logDirectory: copy, keys: vault, syslog: false });
  const broken = await tampered.verify();
  await tampered.close();
  expect(!broken.intact, "an edited copy of the trail is caught");
  report(
    `edited one line of a copy: verify says ${broken.firstBreak?.kind} at ${day}:${broken.firstBreak?.line}`,
  );
}

function dayFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".jsonl"))
    .sort();
}

async function expectRefusal(
  report: Report,
  what: string,
  code: string,
  attempt: () => Promise<unknown>,
): Promise<void> {
  try {
    await attempt();
  } catch (error) {
    if (!isVigilError(error) || error.code !== code) throw error;
    report(`refused ${what}: ${error.code}`);
    return;
  }
  throw new DemoExpectationError(`demo expectation failed: ${what} was accepted`);
}

/** The first four characters and the length: enough to see a value is right without leaking it. */
export function mask(value: string): string {
  return `${value.slice(0, 4)}${"*".repeat(8)} (${value.length} chars)`;
}
