import { existsSync, watch } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import {
  AUDIT_EVENT_TYPES,
  AUDIT_SEVERITIES,
  type AuditEventType,
  AuditLogger,
  type AuditQuery,
  type AuditRecord,
  type AuditSeverity,
  assertEventType,
  assertSeverity,
  EXPORT_FORMATS,
  type ExportFormat,
  listDayFiles,
  streamEvents,
  type VerifyReport,
  verifyTrail,
} from "../audit/index.js";
import type { VigilConfig } from "../config/index.js";
import { isVigilError, VigilError } from "../errors.js";
import type { CliContext } from "./context.js";
import { EXIT } from "./exit-codes.js";
import { withContext } from "./run-command.js";
import { printJson, printTable, promptHidden, readStdinText, warn } from "./terminal-io.js";

/** What {@link createCliAuditLogger} needs from the CLI context. */
export interface CliAuditLoggerOptions {
  readonly home: string;
  readonly config: VigilConfig;
  /** True when a vault exists: it then provides the seal and fingerprint keys. */
  readonly vaultExists: boolean;
  /** Opens (or returns the already open) vault; called only when a key is first needed. */
  readonly openVault: () => Promise<{ deriveSubkey(purpose: string): Promise<Buffer> }>;
}

/**
 * The audit logger CLI commands write to: keyed by the vault when one exists, unkeyed
 * otherwise (see docs/audit-format.md, "Keys").
 */
export function createCliAuditLogger(options: CliAuditLoggerOptions): AuditLogger {
  return new AuditLogger({
    home: options.home,
    config: options.config,
    ...(options.vaultExists
      ? {
          keys: {
            deriveSubkey: async (purpose: string) =>
              (await options.openVault()).deriveSubkey(purpose),
          },
        }
      : {}),
  });
}

interface QueryFlags {
  type?: string;
  severity?: string;
  minSeverity?: string;
  user?: string;
  from?: string;
  to?: string;
  text?: string;
  limit?: string;
}

/** Registers `vigil audit log|query|tail|export|verify|hash`. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("the tamper-evident audit trail");

  audit
    .command("log")
    .description("write one event to the trail")
    .requiredOption("--type <type>", `event type: ${AUDIT_EVENT_TYPES.join(", ")}`)
    .option("--severity <severity>", `${AUDIT_SEVERITIES.join(", ")} (default: by type)`)
    .option("--user <name>", "username (default: the OS user)")
    .requiredOption("--message <text>", "what happened")
    .option("--details <json>", "a JSON object of details (redacted before writing)")
    .action(
      withContext(async (context, options: LogFlags) => {
        const logger = loggerFor(context);
        try {
          const record = await logger.log(parseLogFlags(options));
          if (context.json) printJson(record);
          else process.stdout.write(`logged ${record.event_type} #${record.seq}\n`);
        } finally {
          await logger.close();
        }
        return EXIT.ok;
      }),
    );

  addQueryOptions(
    audit.command("query").description("list events from the trail, oldest first"),
  ).action(
    withContext(async (context, flags: QueryFlags) => {
      const events: AuditRecord[] = [];
      for await (const event of streamEvents(auditDir(context), parseQuery(flags))) {
        events.push(event);
      }
      if (context.json) printJson(events);
      else printEvents(events);
      return EXIT.ok;
    }),
  );

  audit
    .command("tail")
    .description("show the newest events; -f keeps following new ones")
    .option("-n, --lines <count>", "how many events", "10")
    .option("-f, --follow", "keep printing events as they are written (Ctrl-C stops)")
    .action(
      withContext(async (context, options: { lines: string; follow?: boolean }) => {
        const count = parseCount(options.lines, "--lines");
        const dir = auditDir(context);
        const last: AuditRecord[] = [];
        for await (const event of streamEvents(dir)) {
          last.push(event);
          if (last.length > count) last.shift();
        }
        for (const event of last) printTailLine(event, context.json);
        if (options.follow) await follow(dir, last[last.length - 1]?.seq ?? 0, context.json);
        return EXIT.ok;
      }),
    );

  audit
    .command("export")
    .description("write events to FILE (0600, atomically)")
    .argument("<file>", "destination")
    .option("--format <format>", EXPORT_FORMATS.join(", "), "json")
    .option("--from <date>", "first day or time (UTC)")
    .option("--to <date>", "last day or time (UTC; a day means through its end)")
    .action(
      withContext(
        async (context, file: string, options: { format: string; from?: string; to?: string }) => {
          if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
            throw new VigilError(
              "E_USAGE",
              `--format takes one of ${EXPORT_FORMATS.join(", ")}, not "${options.format}"`,
            );
          }
          const logger = loggerFor(context);
          const progress = progressLine();
          try {
            const count = await logger.exportLogs(file, {
              format: options.format as ExportFormat,
              ...(options.from === undefined ? {} : { from: options.from }),
              ...(options.to === undefined ? {} : { to: options.to }),
              onProgress: (events) => progress(`exported ${events} events`),
            });
            progress();
            if (context.json) printJson({ file, format: options.format, events: count });
            else process.stdout.write(`exported ${count} events to ${file}\n`);
          } finally {
            await logger.close();
          }
          return EXIT.ok;
        },
      ),
    );

  audit
    .command("verify")
    .description("check the trail: exit 0 when intact, 5 naming file and line when not")
    .action(
      withContext(async (context) => {
        const report = await verifyWithBestKey(context);
        if (context.json) printJson(report);
        else printVerify(report);
        return report.intact ? EXIT.ok : EXIT.integrity;
      }),
    );

  audit
    .command("hash")
    .description("print the fingerprint a value has in the trail (value from stdin or a prompt)")
    .argument("[value]", "refused: a value on the command line would leak into shell history")
    .action(
      withContext(async (context, value: string | undefined) => {
        if (value !== undefined) {
          throw new VigilError(
            "E_USAGE",
            "values never go on the command line (shell history, ps); pipe it: " +
              "printf %s VALUE | vigil audit hash",
          );
        }
        const secret = process.stdin.isTTY
          ? await promptHidden("Value to fingerprint: ")
          : await readStdinText();
        if (secret === "")
          throw new VigilError("E_INVALID_VALUE", "an empty value has no fingerprint");
        const logger = loggerFor(context);
        try {
          const hash = await logger.hash(secret);
          if (context.json) printJson({ fingerprint: hash });
          else process.stdout.write(`${hash}\n`);
        } finally {
          await logger.close();
        }
        return EXIT.ok;
      }),
    );
}

interface LogFlags {
  type: string;
  severity?: string;
  user?: string;
  message: string;
  details?: string;
}

function parseLogFlags(options: LogFlags) {
  assertEventType(options.type);
  if (options.severity !== undefined) assertSeverity(options.severity);
  let details: Record<string, unknown> = {};
  if (options.details !== undefined) {
    try {
      details = JSON.parse(options.details) as Record<string, unknown>;
    } catch (error) {
      throw new VigilError("E_USAGE", "--details must be a JSON object", { cause: error });
    }
    if (details === null || typeof details !== "object" || Array.isArray(details)) {
      throw new VigilError("E_USAGE", "--details must be a JSON object");
    }
  }
  return {
    eventType: options.type as AuditEventType,
    ...(options.severity === undefined ? {} : { severity: options.severity as AuditSeverity }),
    ...(options.user === undefined ? {} : { username: options.user }),
    description: options.message,
    details,
  };
}

function addQueryOptions(command: Command): Command {
  return command
    .option("--type <type>", `event type: ${AUDIT_EVENT_TYPES.join(", ")}`)
    .option("--severity <severity>", "exactly this severity")
    .option("--min-severity <severity>", "this severity or above")
    .option("--user <name>", "only this username")
    .option("--from <date>", "from this day or time (UTC, inclusive)")
    .option("--to <date>", "through this day or time (UTC, inclusive)")
    .option("--text <text>", "description or details contain this (case-insensitive)")
    .option("--limit <count>", "at most this many events");
}

function parseQuery(flags: QueryFlags): AuditQuery {
  if (flags.type !== undefined) assertEventType(flags.type);
  if (flags.severity !== undefined) assertSeverity(flags.severity);
  if (flags.minSeverity !== undefined) assertSeverity(flags.minSeverity);
  return {
    ...(flags.type === undefined ? {} : { eventType: flags.type as AuditEventType }),
    ...(flags.severity === undefined ? {} : { severity: flags.severity as AuditSeverity }),
    ...(flags.minSeverity === undefined ? {} : { minSeverity: flags.minSeverity as AuditSeverity }),
    ...(flags.user === undefined ? {} : { username: flags.user }),
    ...(flags.from === undefined ? {} : { from: flags.from }),
    ...(flags.to === undefined ? {} : { to: flags.to }),
    ...(flags.text === undefined ? {} : { text: flags.text }),
    ...(flags.limit === undefined ? {} : { limit: parseCount(flags.limit, "--limit") }),
  };
}

function parseCount(text: string, flag: string): number {
  const count = Number(text);
  if (!Number.isInteger(count) || count < 0) {
    throw new VigilError("E_USAGE", `${flag} takes a whole number, not "${text}"`);
  }
  return count;
}

function auditDir(context: CliContext): string {
  return context.config.auditLogging.logDirectory ?? join(context.home, "audit");
}

function loggerFor(context: CliContext): AuditLogger {
  return createCliAuditLogger({
    home: context.home,
    config: context.config,
    vaultExists: existsSync(context.config.vault.file ?? join(context.home, "vault")),
    openVault: () => context.openVault(),
  });
}

/**
 * Verifies with the vault's key when it can be had; without a vault or a master password the
 * chain alone is checked, and the report's warnings say that MACs were not.
 */
async function verifyWithBestKey(context: CliContext): Promise<VerifyReport> {
  const logger = loggerFor(context);
  const progress = progressLine();
  const onProgress = (p: { bytesDone: number; bytesTotal: number }) =>
    progress(`verifying ${Math.floor((100 * p.bytesDone) / Math.max(1, p.bytesTotal))}%`);
  try {
    return await logger.verify({ onProgress });
  } catch (error) {
    if (!isVigilError(error, "E_LOCKED")) throw error;
    const report = verifyTrail(logger.directory, { onProgress });
    return {
      ...report,
      warnings: [...report.warnings, "no master password: MACs and seals were not checked"],
    };
  } finally {
    progress();
    await logger.close();
  }
}

function printVerify(report: VerifyReport): void {
  for (const warning of report.warnings) warn(warning);
  if (report.intact) {
    const keyed = report.keyChecked ? "MACs and seals checked" : "chain only";
    process.stdout.write(
      `intact: ${report.events} events, ${report.seals} seals in ${report.files} file(s) (${keyed})\n`,
    );
    return;
  }
  const found = report.firstBreak;
  process.stdout.write(
    `BROKEN: ${found?.file}, line ${found?.line}: ${found?.kind}: ${found?.message}\n`,
  );
}

function printEvents(events: readonly AuditRecord[]): void {
  const rows = events.map((event) => [
    event.timestamp.replace("T", " ").slice(0, 23),
    event.event_type,
    event.severity,
    event.username,
    oneLine(event.description, 60),
  ]);
  printTable(["TIME (UTC)", "TYPE", "SEVERITY", "USER", "DESCRIPTION"], rows);
  process.stdout.write(`${events.length} event(s)\n`);
}

function printTailLine(event: AuditRecord, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(event)}\n`);
    return;
  }
  const time = event.timestamp.replace("T", " ").slice(0, 23);
  process.stdout.write(
    `${time}  ${event.severity.padEnd(8)} ${event.event_type.padEnd(19)} ${event.username}: ${oneLine(event.description, 100)}\n`,
  );
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Prints events with a sequence number above `afterSeq` as they arrive, until interrupted. */
async function follow(dir: string, afterSeq: number, json: boolean): Promise<void> {
  let seen = afterSeq;
  const today = listDayFiles(dir).at(-1);
  const poll = async (): Promise<void> => {
    const files = listDayFiles(dir);
    const from = files.find((file) => file >= (today ?? "")) ?? files.at(-1);
    for await (const event of streamEvents(
      dir,
      from === undefined ? {} : { from: from.slice(0, 10) },
    )) {
      if (event.seq > seen) {
        printTailLine(event, json);
        seen = event.seq;
      }
    }
  };
  // fs.watch wakes us early; the interval covers file systems where it is unreliable.
  const watcher = existsSync(dir) ? watch(dir) : undefined;
  let wake: (() => void) | undefined;
  watcher?.on("change", () => wake?.());
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => {
      watcher?.close();
      resolve();
    });
    const loop = async (): Promise<void> => {
      for (;;) {
        await poll();
        await new Promise<void>((done) => {
          wake = done;
          setTimeout(done, 1000).unref();
        });
        if (watcher === undefined && !existsSync(dir)) continue;
      }
    };
    void loop();
  });
}

/** A one-line progress display on stderr when it is a terminal; call with no text to clear it. */
function progressLine(): (text?: string) => void {
  if (!process.stderr.isTTY) return () => undefined;
  let shown = false;
  return (text) => {
    if (text === undefined) {
      if (shown) process.stderr.write("\r\x1b[K");
      shown = false;
      return;
    }
    process.stderr.write(`\r\x1b[K${text}`);
    shown = true;
  };
}
