import type { Command } from "commander";
import { configJsonSchema, loadConfig } from "../config/index.js";
import { EXIT } from "./exit-codes.js";
import { withContext } from "./run-command.js";
import { printJson } from "./terminal-io.js";

/** Registers `vigil config show|validate|schema`. */
export function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("inspect and check the configuration");

  config
    .command("show")
    .description("print the effective configuration (defaults, file, environment)")
    .action(
      withContext(async (context) => {
        const effective = { ...context.config, home: context.home };
        if (context.json) printJson(effective);
        else for (const line of flatten(effective, "")) process.stdout.write(`${line}\n`);
        return EXIT.ok;
      }),
    );

  config
    .command("validate")
    .description("check a config file (default: the one in use) and name any bad key")
    .argument("[file]")
    .action(async (file: string | undefined, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<{ config?: string }>();
      const chosen = file ?? globals.config;
      loadConfig(chosen === undefined ? {} : { file: chosen });
      process.stdout.write(`${chosen ?? "configuration"} is valid\n`);
    });

  config
    .command("schema")
    .description("print the JSON Schema of vigil.config.json (for editors)")
    .action(() => {
      printJson(configJsonSchema());
    });
}

function flatten(value: unknown, prefix: string): string[] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${prefix} = {}`];
    return entries.flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
  }
  return [`${prefix} = ${JSON.stringify(value)}`];
}
