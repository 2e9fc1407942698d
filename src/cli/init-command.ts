import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { Command } from "commander";
import { CONFIG_FILE_NAME, renderStarterConfig } from "../config/index.js";
import { EXIT } from "./exit-codes.js";
import { withContext } from "./run-command.js";
import { warn } from "./terminal-io.js";

/** Where a project that installed vigil finds the published schema. */
export const SCHEMA_PATH_IN_PROJECT = "./node_modules/vigil/docs/vigil.config.schema.json";

/** Registers `vigil init`. */
export function registerInitCommand(program: Command): void {
  program
    .command("init")
    .description(
      "create the data directory, an empty vault, a starter config and a .gitignore entry",
    )
    .option("--allow-weak-password", "accept a weak master password (not recommended)")
    .option("--no-starter-config", "do not write a starter vigil.config.json")
    .action(
      withContext(
        async (context, options: { allowWeakPassword?: boolean; starterConfig: boolean }) => {
          const vault = await context.openVault({
            create: true,
            allowWeakPassword: options.allowWeakPassword === true,
          });
          if (options.allowWeakPassword) warn("a weak master password was accepted on request");
          process.stdout.write(`vault ready at ${vault.path}\n`);

          const cwd = process.cwd();
          const configPath = join(cwd, CONFIG_FILE_NAME);
          if (options.starterConfig && !existsSync(configPath)) {
            writeFileSync(configPath, renderStarterConfig(SCHEMA_PATH_IN_PROJECT), { mode: 0o644 });
            process.stdout.write(`wrote a starter ${CONFIG_FILE_NAME}\n`);
          }
          const ignored = ignoreDataDirectory(cwd, context.home);
          if (ignored) process.stdout.write(`added ${ignored} to .gitignore\n`);
          return EXIT.ok;
        },
      ),
    );
}

/**
 * Adds the data directory to `<cwd>/.gitignore` when it lies inside `cwd`, so `git add -A`
 * cannot commit the vault. Returns the pattern added, or undefined when nothing was needed.
 */
export function ignoreDataDirectory(cwd: string, home: string): string | undefined {
  const inside = relative(cwd, resolve(home));
  if (inside === "" || inside.startsWith("..") || inside.startsWith(sep)) return undefined;
  const pattern = `/${inside.split(sep).join("/")}/`;
  const gitignore = join(cwd, ".gitignore");
  const existing = existsSync(gitignore) ? readFileSync(gitignore, "utf8").split(/\r?\n/) : [];
  const bare = pattern.slice(1, -1);
  if (existing.some((line) => [pattern, bare, `/${bare}`, `${bare}/`].includes(line.trim()))) {
    return undefined;
  }
  const prefix = existing.length > 0 && existing[existing.length - 1] !== "" ? "\n" : "";
  appendFileSync(
    gitignore,
    `${prefix}# vigil data directory (encrypted vault, audit trail)\n${pattern}\n`,
  );
  return pattern;
}
