import { type Command, Option } from "commander";
import { VigilError } from "../errors.js";
import {
  type AlphabetName,
  GENERATE_ALPHABETS,
  type RegisterSecretOptions,
  type RotationStatus,
  type RotatorOption,
  SecretsManager,
  splitCommandLine,
  type WatcherEvent,
} from "../secrets/index.js";
import type { CliContext } from "./context.js";
import { EXIT } from "./exit-codes.js";
import { withContext } from "./run-command.js";
import { printJson, printTable, promptHiddenTwice, readStdinText, warn } from "./terminal-io.js";

interface RegisterFlags {
  days: number;
  auto?: boolean;
  rotator?: "generate" | "command" | "manual";
  command?: string;
  length?: number;
  alphabet?: AlphabetName;
  notifyDays?: number;
  verifyCommand?: string;
}

/** Registers the `vigil secrets ...` group: policies, due dates, rotation, history, rollback. */
export function registerSecretsCommands(program: Command): void {
  const secrets = program
    .command("secrets")
    .description("rotation policies, due dates, rotation, history, rollback and the watcher");

  secrets
    .command("register")
    .description("put a credential under a rotation policy (it need not have a value yet)")
    .argument("<name>")
    .requiredOption("--days <n>", "days between rotations", wholeNumber("--days", 1))
    .option("--auto", "let 'vigil secrets watch' rotate it unattended")
    .addOption(
      new Option("--rotator <kind>", "how new values are made")
        .choices(["generate", "command", "manual"])
        .default(undefined),
    )
    .option("--command <cmd>", "for --rotator command: executable and arguments (no shell)")
    .option(
      "--length <n>",
      "for --rotator generate: characters (default 32)",
      wholeNumber("--length", 1),
    )
    .addOption(
      new Option("--alphabet <set>", "for --rotator generate (default alphanumeric)").choices(
        Object.keys(GENERATE_ALPHABETS),
      ),
    )
    .option(
      "--notify-days <n>",
      "report it as due soon this many days ahead",
      wholeNumber("--notify-days", 0),
    )
    .option("--verify-command <cmd>", "gets the new value on stdin; exit 0 accepts it")
    .action(
      withContext(async (context, name: string, flags: RegisterFlags) => {
        const options = registerOptionsOf(flags);
        const status = await withManager(context, (m) => m.registerSecret(name, options));
        if (context.json) printJson(status);
        else {
          const auto = status.autoRotate ? ", rotated automatically" : "";
          process.stdout.write(
            `registered ${name}: every ${status.rotationDays} days (${status.rotator}${auto}); next ${day(status.nextRotation)}\n`,
          );
        }
        return EXIT.ok;
      }),
    );

  secrets
    .command("unregister")
    .description("remove a rotation policy; the credential and its history stay")
    .argument("<name>")
    .action(
      withContext(async (context, name: string) => {
        await withManager(context, (m) => m.unregisterSecret(name));
        process.stdout.write(`${name} is no longer rotated\n`);
        return EXIT.ok;
      }),
    );

  secrets
    .command("due")
    .description("secrets due for rotation now or within their notice window")
    .action(
      withContext(async (context) => {
        const due = await withManager(context, (m) => m.dueRotations({ includeSoon: true }));
        if (context.json) {
          printJson(due);
          return EXIT.ok;
        }
        if (due.length === 0) {
          process.stdout.write("nothing is due\n");
          return EXIT.ok;
        }
        const rows = due.map((item) => [
          item.name,
          item.state,
          item.reason,
          day(item.nextRotation),
          String(item.daysUntilRotation),
          item.needsHuman ?? "auto",
        ]);
        printTable(["NAME", "STATE", "REASON", "DUE (UTC)", "DAYS LEFT", "ACTION"], rows);
        return EXIT.ok;
      }),
    );

  secrets
    .command("rotate")
    .description("rotate now with the registered rotator, or to a value from stdin")
    .argument("<name>")
    .option("--stdin", "read the new value from stdin (a hidden prompt on a terminal)")
    .action(
      withContext(async (context, name: string, options: { stdin?: boolean }) => {
        const value = options.stdin === true ? await readNewValue(name) : undefined;
        const result = await withManager(context, (m) => m.rotateSecret(name, value));
        if (context.json) printJson(result);
        else {
          process.stdout.write(
            `rotated ${name} to version ${result.version} (fingerprint ${result.fingerprint})\n`,
          );
        }
        return EXIT.ok;
      }),
    );

  secrets
    .command("status")
    .description("rotation status of one secret or all of them (no values)")
    .argument("[name]")
    .action(
      withContext(async (context, name: string | undefined) => {
        const statuses =
          name === undefined
            ? Object.values(await withManager(context, (m) => m.getRotationStatus()))
            : [await withManager(context, (m) => m.getRotationStatus(name))];
        if (context.json) printJson(name === undefined ? statuses : statuses[0]);
        else printStatuses(statuses);
        return EXIT.ok;
      }),
    );

  secrets
    .command("history")
    .description("registrations, rotations and rollbacks of a secret, with fingerprints")
    .argument("<name>")
    .action(
      withContext(async (context, name: string) => {
        const history = await withManager(context, (m) => m.getRotationHistory(name));
        if (context.json) {
          printJson(history);
          return EXIT.ok;
        }
        const rows = history.map((entry) => [
          entry.at.slice(0, 19).replace("T", " "),
          entry.action,
          entry.outcome,
          entry.trigger,
          entry.actor,
          entry.version === undefined ? "" : String(entry.version),
          entry.fingerprint ?? "",
          entry.outcome === "failure" ? `${entry.step}: ${entry.reason}` : "",
        ]);
        printTable(
          ["WHEN (UTC)", "ACTION", "OUTCOME", "TRIGGER", "ACTOR", "VERSION", "FINGERPRINT", "NOTE"],
          rows,
        );
        return EXIT.ok;
      }),
    );

  secrets
    .command("rollback")
    .description("make an earlier value current again (default: the previous one)")
    .argument("<name>")
    .option("--to <version>", "version number from 'vigil vault history'", wholeNumber("--to", 1))
    .action(
      withContext(async (context, name: string, options: { to?: number }) => {
        const result = await withManager(context, (m) => m.rollbackSecret(name, options.to));
        if (context.json) printJson(result);
        else {
          process.stdout.write(
            `${name} is now version ${result.version} (the value of version ${result.restoredFrom})\n`,
          );
        }
        return EXIT.ok;
      }),
    );

  secrets
    .command("export")
    .description("print the policies as a config 'secretsRotation' section (no values)")
    .action(
      withContext(async (context) => {
        printJson(await withManager(context, (m) => m.exportConfig()));
        return EXIT.ok;
      }),
    );

  secrets
    .command("watch")
    .description("check now and every interval; rotate what is due and --auto; report the rest")
    .option("--interval <hours>", "hours between checks (default: checkIntervalHours)", positive)
    .option("--once", "check once and exit (exit 1 if a rotation failed)")
    .action(
      withContext(async (context, options: { interval?: number; once?: boolean }) => {
        return watch(context, options);
      }),
    );
}

async function watch(
  context: CliContext,
  options: { interval?: number; once?: boolean },
): Promise<number> {
  const manager = await openManager(context);
  let failures = 0;
  const print = (event: WatcherEvent) => {
    if (event.type === "failed" || event.type === "error") failures += 1;
    if (context.json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else if (event.type === "error")
      warn(`${event.name ?? "check"}: ${event.message} [${event.code}]`);
    else process.stdout.write(`${describeEvent(event)}\n`);
  };

  let stopSignal: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopSignal = resolve;
  });
  process.once("SIGINT", stopSignal);
  process.once("SIGTERM", stopSignal);
  // The clock's timers are unref'd so that library users' processes can exit; this one keeps
  // the watch command alive until a signal arrives.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    const watcher = manager.startAutoRotation({
      ...(options.interval === undefined ? {} : { intervalHours: options.interval }),
      onEvent: print,
    });
    if (options.once === true) await watcher.idle();
    else await stopped;
  } finally {
    clearInterval(keepAlive);
    process.off("SIGINT", stopSignal);
    process.off("SIGTERM", stopSignal);
    await manager.stopAutoRotation();
  }
  return options.once === true && failures > 0 ? EXIT.failure : EXIT.ok;
}

function describeEvent(event: Exclude<WatcherEvent, { type: "error" }>): string {
  const at = event.at.slice(0, 19).replace("T", " ");
  switch (event.type) {
    case "rotated":
      return `${at} rotated ${event.name} to version ${event.version} (fingerprint ${event.fingerprint})`;
    case "failed":
      return `${at} FAILED ${event.name} at the ${event.step} step: ${event.reason}`;
    case "attention":
      return `${at} attention ${event.name}: ${event.state} (${event.reason}, ${event.daysUntilRotation} days left; ${event.why.replaceAll("_", " ")})`;
    case "skipped":
      return `${at} skipped ${event.name}: ${event.reason.replaceAll("_", " ")}`;
    case "checked":
      return `${at} checked: ${event.due} due, ${event.soon} soon, ${event.rotated} rotated, ${event.failed} failed`;
  }
}

function printStatuses(statuses: readonly RotationStatus[]): void {
  if (statuses.length === 0) {
    process.stdout.write("no secrets are under a rotation policy; see 'vigil secrets register'\n");
    return;
  }
  const rows = statuses.map((status) => [
    status.name,
    String(status.rotationDays),
    status.autoRotate ? "yes" : "no",
    status.rotator,
    status.lastRotation === null ? "-" : day(status.lastRotation),
    day(status.nextRotation),
    String(status.daysUntilRotation),
    status.rotating ? "rotating" : status.state,
    String(status.rotationCount),
    status.lastFailure === null ? "" : `${day(status.lastFailure.at)} ${status.lastFailure.step}`,
  ]);
  printTable(
    ["NAME", "DAYS", "AUTO", "ROTATOR", "LAST", "NEXT", "LEFT", "STATE", "COUNT", "LAST FAILURE"],
    rows,
  );
}

function registerOptionsOf(flags: RegisterFlags): RegisterSecretOptions {
  const kind = flags.rotator ?? (flags.command !== undefined ? "command" : undefined);
  if (flags.command !== undefined && kind !== "command") {
    throw new VigilError("E_USAGE", "--command goes with --rotator command");
  }
  if ((flags.length !== undefined || flags.alphabet !== undefined) && kind !== "generate") {
    throw new VigilError("E_USAGE", "--length and --alphabet go with --rotator generate");
  }
  let rotator: RotatorOption | undefined;
  if (kind === "command") {
    if (flags.command === undefined) {
      throw new VigilError("E_USAGE", "--rotator command needs --command <cmd>");
    }
    const [command, ...args] = splitCommandLine(flags.command);
    rotator = { kind: "command", command: command as string, args };
  } else if (kind === "generate") {
    rotator = {
      kind: "generate",
      ...(flags.length === undefined ? {} : { length: flags.length }),
      ...(flags.alphabet === undefined ? {} : { alphabet: flags.alphabet }),
    };
  } else if (kind === "manual") {
    rotator = "manual";
  }
  const verify =
    flags.verifyCommand === undefined ? undefined : splitCommandLine(flags.verifyCommand);
  return {
    rotationDays: flags.days,
    ...(flags.auto === undefined ? {} : { autoRotate: flags.auto }),
    ...(rotator === undefined ? {} : { rotator }),
    ...(verify === undefined
      ? {}
      : { verify: { kind: "command", command: verify[0] as string, args: verify.slice(1) } }),
    ...(flags.notifyDays === undefined ? {} : { notifyDaysBefore: flags.notifyDays }),
  };
}

async function openManager(context: CliContext): Promise<SecretsManager> {
  const vault = await context.openVault();
  const audit = await context.auditSink();
  return new SecretsManager(vault, { config: context.config, ...(audit ? { audit } : {}) });
}

async function withManager<T>(
  context: CliContext,
  work: (manager: SecretsManager) => Promise<T>,
): Promise<T> {
  return work(await openManager(context));
}

async function readNewValue(name: string): Promise<string> {
  if (!process.stdin.isTTY) return readStdinText();
  return promptHiddenTwice(`New value for ${name}: `, "values");
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function wholeNumber(flag: string, min: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
      throw new VigilError("E_USAGE", `${flag} takes a whole number from ${min}, not "${text}"`);
    }
    return value;
  };
}

function positive(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new VigilError("E_USAGE", `--interval takes a positive number of hours, not "${text}"`);
  }
  return value;
}
