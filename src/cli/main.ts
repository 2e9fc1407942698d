#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { VigilError } from "../errors.js";
import { registerAgentCommands } from "./agent-commands.js";
import { registerAuditCommands } from "./audit-commands.js";
import { registerConfigCommands } from "./config-commands.js";
import { registerDemoCommand } from "./demo-command.js";
import { registerDoctorCommand } from "./doctor-command.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { registerImportCommands } from "./import-commands.js";
import { registerInitCommand } from "./init-command.js";
import { registerMonitorCommands } from "./monitor-commands.js";
import { registerOtpCommands } from "./otp-commands.js";
import { registerRunCommands } from "./run-commands.js";
import { registerSecretsCommands } from "./secrets-commands.js";
import { registerVaultCommands } from "./vault-commands.js";

/** Builds the `vigil` program with every command group. */
export function buildProgram(): Command {
  const program = new Command("vigil")
    .description("a security layer for automation bots: vault, secrets, audit trail, monitor")
    .version("0.1.0")
    .option("--home <dir>", "data directory (default: $VIGIL_HOME or ./.vigil)")
    .option("--config <file>", "config file (default: $VIGIL_CONFIG or ./vigil.config.json)")
    .option("--json", "machine-readable output where a command supports it")
    .showHelpAfterError()
    .exitOverride();
  registerInitCommand(program);
  registerVaultCommands(program);
  registerAuditCommands(program);
  registerConfigCommands(program);
  registerDemoCommand(program);
  registerDoctorCommand(program);
  registerAgentCommands(program);
  registerImportCommands(program);
  registerOtpCommands(program);
  registerRunCommands(program);
  registerMonitorCommands(program);
  registerSecretsCommands(program);
  return program;
}

/**
 * The one place that turns errors into messages and exit codes. A vigil error prints its
 * message (which never holds a secret); anything else prints only its class name, because
 * messages of foreign errors may quote input, and input may be a secret.
 */
export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    const benign = ["commander.helpDisplayed", "commander.version", "commander.help"];
    return benign.includes(error.code) ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof VigilError) {
    process.stderr.write(`vigil: ${error.message} [${error.code}]\n`);
    return exitCodeFor(error.code);
  }
  const kind = error instanceof Error ? error.name : typeof error;
  process.stderr.write(`vigil: internal error (${kind}); set VIGIL_DEBUG=1 for details\n`);
  if (process.env.VIGIL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return EXIT.internal;
}

async function main(): Promise<void> {
  // A reader that closes early (`vigil ... | head`) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

await main();
