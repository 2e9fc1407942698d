import type { Command } from "commander";
import { VigilError } from "../errors.js";
import {
  AccountMonitor,
  type ActivitySummary,
  type Anomaly,
  type LoginLocation,
  type PaceDecision,
  type RecordedActivity,
} from "../monitor/index.js";
import { formatZonedTime } from "../monitor/zoned-time.js";
import type { CliContext } from "./context.js";
import { EXIT } from "./exit-codes.js";
import { withContext } from "./run-command.js";
import { printJson, printTable, readStdinText, warn } from "./terminal-io.js";

const BAR_WIDTH = 40;

/** Registers the `vigil monitor ...` group. The monitor needs no master password. */
export function registerMonitorCommands(program: Command): void {
  const monitor = program
    .command("monitor")
    .description("record account activity, detect anomalies, score health and pace applications");
  registerRecordCommands(monitor.command("record").description("record one activity event"));

  monitor
    .command("summary")
    .description("activity counts with a per-hour chart")
    .option("--hours <n>", "hours to cover", "24")
    .action(
      withContext(async (context, options: { hours: string }) => {
        const hours = parseWhole(options.hours, "--hours");
        const summary = await withMonitor(context, (m) => m.getActivitySummary({ hours }));
        if (context.json) printJson(summary);
        else printSummary(summary, context.config.accountMonitoring.timeZone);
        return EXIT.ok;
      }),
    );

  monitor
    .command("anomalies")
    .description("list the anomalies active now")
    .action(
      withContext(async (context) => {
        const anomalies = await withMonitor(context, (m) => m.detectSuspiciousPatterns());
        if (context.json) printJson(anomalies);
        else printAnomalies(anomalies);
        return EXIT.ok;
      }),
    );

  monitor
    .command("health")
    .description("health score; exit 0 healthy, 10 warning, 11 critical")
    .action(
      withContext(async (context) => {
        const report = await withMonitor(context, (m) => m.getHealthStatus());
        if (context.json) printJson(report);
        else {
          process.stdout.write(`health ${report.healthScore}/100: ${report.status}\n`);
          printAnomalies(report.anomalies);
        }
        if (report.status === "critical") return EXIT.healthCritical;
        return report.status === "warning" ? EXIT.healthWarning : EXIT.ok;
      }),
    );

  monitor
    .command("pace")
    .description("may the bot apply now? exit 0 yes, 9 wait, 1 stop (for today or until checked)")
    .option("--wait", "sleep until allowed (never through a stop)")
    .option("--max-wait <seconds>", "with --wait, give up (exit 9) after this long")
    .action(
      withContext(async (context, options: { wait?: boolean; maxWait?: string }) => {
        const maxWaitMs =
          options.maxWait === undefined
            ? Number.POSITIVE_INFINITY
            : parseWhole(options.maxWait, "--max-wait") * 1000;
        const decision = await withMonitor(context, (m) =>
          options.wait === true ? waitForPace(m, maxWaitMs, context.json) : m.checkPace(),
        );
        if (context.json) printJson(decision);
        else
          process.stdout.write(
            `${decision.allow ? "go" : decision.stop ? "stop" : "wait"}: ${describePace(decision)}\n`,
          );
        if (decision.allow) return EXIT.ok;
        return decision.stop ? EXIT.failure : EXIT.busy;
      }),
    );
}

function registerRecordCommands(record: Command): void {
  record
    .command("login")
    .description("a login attempt (successful unless --failed)")
    .argument("<username>")
    .option("--failed", "the login failed")
    .option("--ip <address>", "the address the login came from")
    .option("--country <code>")
    .option("--region <code>")
    .option("--city <name>")
    .option("--lat <degrees>", "latitude, for impossible-travel checks")
    .option("--lon <degrees>", "longitude")
    .action(
      withContext(async (context, username: string, options: LoginFlags) => {
        const location = locationFrom(options);
        const recorded = await withMonitor(context, (m) =>
          m.recordLogin(username, {
            success: options.failed !== true,
            ...(options.ip === undefined ? {} : { ip: options.ip }),
            ...(location === undefined ? {} : { location }),
          }),
        );
        return report(context, recorded);
      }),
    );

  record
    .command("logout")
    .argument("<username>")
    .action(
      withContext(async (context, username: string) =>
        report(context, await withMonitor(context, (m) => m.recordLogout(username))),
      ),
    );

  record
    .command("application")
    .description("an application sent (successful unless --failed)")
    .argument("<company>")
    .argument("<job-title>")
    .option("--failed", "the application failed")
    .option("--job-id <id>")
    .action(
      withContext(
        async (
          context,
          company: string,
          jobTitle: string,
          options: { failed?: boolean; jobId?: string },
        ) => {
          const recorded = await withMonitor(context, (m) =>
            m.recordApplication(company, jobTitle, {
              success: options.failed !== true,
              ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
            }),
          );
          return report(context, recorded);
        },
      ),
    );

  record
    .command("error")
    .description("an error; the message is cut short and stripped of obvious secrets")
    .argument("<type>", "error type, e.g. selenium")
    .argument("[message...]", "the message; '-' or nothing reads it from stdin")
    .action(
      withContext(async (context, type: string, words: string[]) => {
        const message = await textOrStdin(words);
        return report(context, await withMonitor(context, (m) => m.recordError(type, message)));
      }),
    );

  record
    .command("api")
    .description("an API call and its HTTP status (429 counts as rate limiting)")
    .argument("<api>", "API name, e.g. linkedin")
    .requiredOption("--status <code>", "HTTP status code")
    .option("--endpoint <path>", "path only; a query string is dropped")
    .action(
      withContext(async (context, api: string, options: { status: string; endpoint?: string }) => {
        const statusCode = parseWhole(options.status, "--status");
        const recorded = await withMonitor(context, (m) =>
          m.recordApiCall(api, {
            statusCode,
            ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
          }),
        );
        return report(context, recorded);
      }),
    );

  record
    .command("notice")
    .description("a message the platform showed (daily limit, slow down, restriction, other)")
    .argument("[text...]", "the text; '-' or nothing reads it from stdin")
    .action(
      withContext(async (context, words: string[]) => {
        const text = await textOrStdin(words);
        return report(context, await withMonitor(context, (m) => m.recordNotice(text)));
      }),
    );
}

interface LoginFlags {
  failed?: boolean;
  ip?: string;
  country?: string;
  region?: string;
  city?: string;
  lat?: string;
  lon?: string;
}

async function withMonitor<T>(
  context: CliContext,
  work: (monitor: AccountMonitor) => Promise<T>,
): Promise<T> {
  const audit = await context.auditSink();
  const monitor = new AccountMonitor({
    home: context.home,
    config: context.config,
    ...(audit === undefined ? {} : { audit }),
  });
  monitor.onAnomaly((anomaly, alert) =>
    warn(
      `${alert.repeat ? "anomaly still active" : "anomaly"}: ${anomaly.type} (${anomaly.severity}): ${anomaly.description}`,
    ),
  );
  try {
    return await work(monitor);
  } finally {
    monitor.close();
  }
}

async function waitForPace(
  monitor: AccountMonitor,
  maxWaitMs: number,
  quiet: boolean,
): Promise<PaceDecision> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const decision = await monitor.checkPace();
    if (decision.allow || decision.stop) return decision;
    if (Date.now() + decision.waitMs > deadline) return decision;
    if (!quiet) warn(`waiting ${Math.ceil(decision.waitMs / 1000)} s: ${decision.reason}`);
    await new Promise((resolve) => setTimeout(resolve, decision.waitMs));
  }
}

function report(context: CliContext, recorded: RecordedActivity): number {
  if (context.json) printJson(recorded);
  else if (recorded.id === null)
    warn("monitoring is off (accountMonitoring.enableMonitoring); nothing recorded");
  else {
    const kind = "noticeKind" in recorded ? ` (${String(recorded.noticeKind)})` : "";
    process.stdout.write(`recorded ${recorded.type}${kind} #${recorded.id} at ${recorded.at}\n`);
  }
  return EXIT.ok;
}

function locationFrom(options: LoginFlags): LoginLocation | undefined {
  const latitude = options.lat === undefined ? undefined : parseDegrees(options.lat, "--lat", 90);
  const longitude = options.lon === undefined ? undefined : parseDegrees(options.lon, "--lon", 180);
  if ((latitude === undefined) !== (longitude === undefined)) {
    throw new VigilError("E_USAGE", "--lat and --lon go together");
  }
  const location: LoginLocation = {
    ...(options.country === undefined ? {} : { country: options.country }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.city === undefined ? {} : { city: options.city }),
    ...(latitude === undefined || longitude === undefined ? {} : { latitude, longitude }),
  };
  return Object.keys(location).length === 0 ? undefined : location;
}

async function textOrStdin(words: readonly string[]): Promise<string> {
  if (words.length > 0 && !(words.length === 1 && words[0] === "-")) return words.join(" ");
  if (process.stdin.isTTY)
    throw new VigilError("E_USAGE", "give the text as arguments or pipe it on stdin");
  return readStdinText();
}

function parseWhole(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new VigilError("E_USAGE", `${flag} takes a whole number`);
  return Number(text);
}

function parseDegrees(text: string, flag: string, limit: number): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || Math.abs(value) > limit) {
    throw new VigilError("E_USAGE", `${flag} takes degrees from -${limit} to ${limit}`);
  }
  return value;
}

function describePace(decision: PaceDecision): string {
  if (decision.allow) return decision.reason;
  return `${decision.reason} (ask again in ${Math.ceil(decision.waitMs / 1000)} s)`;
}

function printAnomalies(anomalies: readonly Anomaly[]): void {
  if (anomalies.length === 0) {
    process.stdout.write("no active anomalies\n");
    return;
  }
  printTable(
    ["TYPE", "SEVERITY", "SINCE (UTC)", "DESCRIPTION"],
    anomalies.map((anomaly) => [
      anomaly.type,
      anomaly.severity,
      anomaly.detectedAt.slice(0, 19).replace("T", " "),
      anomaly.description,
    ]),
  );
}

function printSummary(summary: ActivitySummary, timeZone: string): void {
  const { applications, logins, errors, apiCalls, notices } = summary;
  const lines = [
    `last ${summary.hours} h (${summary.from} .. ${summary.to})`,
    `applications ${applications.count} (${applications.successful} ok, ${applications.failed} failed)`,
    `logins       ${logins.count} (${logins.successful} ok, ${logins.failed} failed), logouts ${summary.logouts.count}`,
    `errors       ${errors.count}`,
    `api calls    ${apiCalls.count} (${apiCalls.rateLimited} rate limited)`,
    `notices      ${notices.count}`,
    "",
    `per hour (${timeZone}), bars show applications:`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const peak = Math.max(1, ...summary.hourly.map((hour) => hour.applications));
  for (const hour of summary.hourly) {
    const length = Math.round((hour.applications / peak) * BAR_WIDTH);
    const bar = (hour.applications > 0 && length === 0 ? "▏" : "█".repeat(length)).padEnd(
      BAR_WIDTH,
    );
    const label = formatZonedTime(Date.parse(hour.start), timeZone);
    const extra = [
      hour.logins > 0 ? `${hour.logins} logins` : "",
      hour.errors > 0 ? `${hour.errors} errors` : "",
      hour.apiCalls > 0 ? `${hour.apiCalls} api` : "",
    ].filter((part) => part !== "");
    process.stdout.write(
      `${label} ${bar} ${String(hour.applications).padStart(3)} ${extra.join(" ")}`.trimEnd() +
        "\n",
    );
  }
}
