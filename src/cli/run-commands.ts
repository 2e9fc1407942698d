import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { isVigilError, VigilError } from "../errors.js";
import { parseDotenv, runWithCredentials } from "../integrations/index.js";
import { withContext } from "./run-command.js";
import { warn } from "./terminal-io.js";

interface RunCliOptions {
  envFile?: string;
  masking: boolean;
}

/** Registers `vigil run [--env-file F] [--no-masking] -- CMD [ARGS...]`. */
export function registerRunCommands(program: Command): void {
  program
    .command("run")
    .description(
      "run a command with vault credentials in its environment (values written vigil://NAME)",
    )
    .option("--env-file <file>", "a .env file of variables; values may be vigil://NAME")
    .option("--no-masking", "do not conceal credential values in the command's output")
    .argument("<command...>", "the command and its arguments; put them after --")
    .action(
      withContext(async (context, argv: string[], options: RunCliOptions) => {
        const [command, ...args] = argv;
        if (command === undefined) throw new VigilError("E_USAGE", "give a command after --");
        // Null prototype: variable names come from files and may be anything, even __proto__.
        const variables: Record<string, string> = Object.create(null);
        Object.assign(variables, context.config.integration.env);
        if (options.envFile !== undefined) {
          for (const { name, value } of readEnvFile(options.envFile)) variables[name] = value;
        }
        const audit = await context.auditSink();

        // main.ts exits at once when stdout's reader goes away; during a run the relay handles
        // that instead, so the child learns of the broken pipe and the run's end is audited.
        const stdoutErrorHandlers = process.stdout.listeners("error");
        process.stdout.removeAllListeners("error");
        try {
          const outcome = await runWithCredentials({
            command,
            args,
            variables,
            masking: options.masking,
            reader: () => context.credentialStore(),
            onWarning: (message) => warn(`warning: ${message}`),
            ...(audit === undefined ? {} : { audit }),
          });
          return outcome.exitCode;
        } catch (error) {
          if (!isVigilError(error, "E_CHILD_FAILED")) throw error;
          warn(error.message);
          // What shells return for "not found" and "not executable".
          return (error.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT" ? 127 : 126;
        } finally {
          for (const handler of stdoutErrorHandlers) {
            process.stdout.on("error", handler as (error: Error) => void);
          }
        }
      }),
    );
}

function readEnvFile(path: string) {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new VigilError(
      code === "ENOENT" ? "E_NOT_FOUND" : "E_IO",
      `cannot read the env file ${path} (${code ?? "error"})`,
    );
  }
  try {
    return parseDotenv(text);
  } catch (error) {
    if (isVigilError(error)) throw new VigilError(error.code, `${path}: ${error.message}`);
    throw error;
  }
}
