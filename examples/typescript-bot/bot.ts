/*
 * A small job-application bot wired to vigil's library: credentials from the vault, every
 * application paced by the monitor, every security event in the audit trail.
 *
 * The "platform" here is simulated so the example runs anywhere:
 *
 *   VAULT_MASTER_PASSWORD=... npx tsx examples/typescript-bot/bot.ts --applications 5
 *
 * In a real bot, replace `applyTo` with your Playwright/Puppeteer code and import from "vigil"
 * instead of "../../src/index.js".
 */
import { parseArgs } from "node:util";
import { AccountMonitor, AuditLogger, EncryptedVault, isVigilError } from "../../src/index.js";

interface Job {
  readonly company: string;
  readonly title: string;
}

const { values: flags } = parseArgs({
  options: {
    applications: { type: "string", default: "5" },
    home: { type: "string" },
    // Only for demos and tests: do not really wait when the pace guard says so.
    "no-wait": { type: "boolean", default: false },
  },
});

const home = flags.home;
const vault = new EncryptedVault(home === undefined ? {} : { home });
const audit = new AuditLogger({ ...(home === undefined ? {} : { home }), keys: vault });
const monitor = new AccountMonitor({ ...(home === undefined ? {} : { home }), audit });

monitor.onAnomaly((anomaly) => {
  // An operator-facing line; the same event is already in the audit trail.
  console.error(`[vigil] ${anomaly.severity} ${anomaly.type}: ${anomaly.description}`);
});

async function main(): Promise<number> {
  const username = await vault.getCredential("linkedin_username");
  const password = await vault.getCredential("linkedin_password");
  const loggedIn = await logIn(username, password);
  await monitor.recordLogin(username, { success: loggedIn, ip: "203.0.113.7" });
  await audit.logLogin(username, { success: loggedIn, ip: "203.0.113.7" });
  if (!loggedIn) return 1;

  const wanted = Number(flags.applications);
  for (let sent = 0; sent < wanted; ) {
    const pace = await monitor.checkPace();
    if (pace.stop) {
      console.log(`stopping for now: ${pace.reason}`);
      break;
    }
    if (!pace.allow) {
      console.log(`waiting ${Math.ceil(pace.waitMs / 1000)} s: ${pace.reason}`);
      if (flags["no-wait"]) break;
      await new Promise((resolve) => setTimeout(resolve, pace.waitMs));
      continue;
    }
    const job = nextJob(sent);
    const result = await applyTo(job);
    await monitor.recordApplication(job.company, job.title, { success: result.ok });
    if (result.notice !== undefined) await monitor.recordNotice(result.notice);
    console.log(`applied to ${job.company} (${job.title}): ${result.ok ? "sent" : "failed"}`);
    sent += 1;
  }

  const health = await monitor.getHealthStatus();
  console.log(`account health ${health.healthScore}/100 (${health.status})`);
  return 0;
}

/** Stands in for the browser login; a real bot types `password` into the page. */
async function logIn(username: string, password: string): Promise<boolean> {
  return username.includes("@") && password.length >= 8;
}

function nextJob(index: number): Job {
  return { company: `Example Corp ${index + 1}`, title: "Software Engineer" };
}

/** Stands in for filling and sending an Easy Apply form. */
async function applyTo(_job: Job): Promise<{ ok: boolean; notice?: string }> {
  return { ok: true };
}

try {
  process.exitCode = await main();
} catch (error) {
  // vigil errors carry a stable code and a message without secrets.
  if (isVigilError(error)) console.error(`[vigil] ${error.code}: ${error.message}`);
  else throw error;
  process.exitCode = 1;
} finally {
  monitor.close();
  await audit.close();
  vault.close();
}
