import { join, resolve } from "node:path";
import type { Command } from "commander";
import { loadConfig, parseConfig, type VigilConfig } from "../config/index.js";
import { isVigilError } from "../errors.js";
import { runDoctor } from "../integrations/doctor/index.js";
import { resolveHome } from "../storage/index.js";
import { resolveMasterPassword } from "../vault/index.js";
import type { GlobalOptions } from "./context.js";
import { EXIT } from "./exit-codes.js";
import { printJson } from "./terminal-io.js";

/** Registers `vigil doctor`. */
export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description(
      "check permissions, config, KDF costs, plain secrets, git exposure, due rotations, the " +
        "audit chain and account health",
    )
    .option("--project <dir>", "project folder to scan (default: the working directory)")
    .action(async (options: { project?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const projectDir = resolve(options.project ?? process.cwd());
      // A broken config is a finding of its own; the other checks then run on the defaults.
      const config = configOrDefaults(globals.config, projectDir);
      const home = resolveHome(globals.home ?? config.home, process.env, projectDir);
      const report = await runDoctor({
        config,
        ...passwordIfAvailable(config),
        projectDir,
        home,
        vaultPath: config.vault.file ?? join(home, "vault"),
        ...(globals.config === undefined ? {} : { configFile: globals.config }),
      });

      if (globals.json) {
        printJson(report);
      } else {
        for (const finding of report.findings) {
          const where = finding.location === undefined ? "" : ` (${finding.location})`;
          process.stdout.write(`${finding.severity.toUpperCase()}: ${finding.message}${where}\n`);
          if (finding.fix !== undefined) process.stdout.write(`  fix: ${finding.fix}\n`);
        }
        process.stdout.write(report.healthy ? "no problems found\n" : "problems found\n");
      }
      process.exitCode = report.healthy ? EXIT.ok : EXIT.failure;
    });
}

/** The master password when the environment or a password file has it; doctor never prompts. */
function passwordIfAvailable(config: VigilConfig): { masterPassword?: string } {
  try {
    return { masterPassword: resolveMasterPassword({ file: config.vault.masterPasswordFile }) };
  } catch (error) {
    if (isVigilError(error)) return {};
    throw error;
  }
}

function configOrDefaults(file: string | undefined, cwd: string): VigilConfig {
  try {
    return loadConfig({ cwd, ...(file === undefined ? {} : { file }) });
  } catch (error) {
    if (!isVigilError(error, "E_CONFIG")) throw error;
    return parseConfig({});
  }
}
