import { type Command, Option } from "commander";
import { VigilError } from "../errors.js";
import type { CredentialMetadata } from "../vault/index.js";
import { EXIT } from "./exit-codes.js";
import { withContext } from "./run-command.js";
import {
  printJson,
  printTable,
  promptHidden,
  promptHiddenTwice,
  readStdinText,
} from "./terminal-io.js";

/** Registers the `vigil vault ...` group. */
export function registerVaultCommands(program: Command): void {
  const vault = program.command("vault").description("store and read encrypted credentials");

  vault
    .command("set")
    .description("store a credential; the value comes from stdin when piped, else a prompt")
    .argument("<name>", "credential name: letters, digits, _ - . /")
    .option("--expires <date>", "expiry date, YYYY-MM-DD")
    .addOption(new Option("--tag <tag>", "a tag (repeatable)").argParser(collect).default([]))
    .action(
      withContext(async (context, name: string, options: { expires?: string; tag: string[] }) => {
        const value = await readNewValue(name);
        const store = await context.credentialStore();
        const metadata: CredentialMetadata = {
          ...(options.expires === undefined ? {} : { expires: options.expires }),
          ...(options.tag.length === 0 ? {} : { tags: options.tag }),
        };
        const info = await store.setCredential(name, value, metadata);
        if (context.json) printJson({ name, ...info });
        else process.stdout.write(`stored ${name} (version ${info.currentVersion})\n`);
        return EXIT.ok;
      }),
    );

  vault
    .command("get")
    .description("print a credential's value and a newline on stdout")
    .argument("<name>")
    .action(
      withContext(async (context, name: string) => {
        const value = await (await context.credentialStore()).getCredential(name);
        process.stdout.write(`${value}\n`);
        return EXIT.ok;
      }),
    );

  vault
    .command("list")
    .description("list credentials with their metadata, never their values")
    .action(
      withContext(async (context) => {
        const credentials = await (await context.credentialStore()).listCredentials();
        if (context.json) {
          printJson(credentials);
          return EXIT.ok;
        }
        const rows = Object.entries(credentials).map(([name, info]) => [
          name,
          String(info.currentVersion),
          info.updated.slice(0, 19).replace("T", " "),
          info.expires === null ? "-" : info.expires.slice(0, 10),
          info.expired ? "expired" : info.expiring ? "expiring" : "ok",
          info.tags.join(","),
        ]);
        printTable(["NAME", "VERSION", "UPDATED (UTC)", "EXPIRES", "STATE", "TAGS"], rows);
        return EXIT.ok;
      }),
    );

  vault
    .command("rm")
    .description("delete a credential and all its versions")
    .argument("<name>")
    .action(
      withContext(async (context, name: string) => {
        await (await context.credentialStore()).deleteCredential(name);
        process.stdout.write(`deleted ${name}\n`);
        return EXIT.ok;
      }),
    );

  vault
    .command("history")
    .description("list the kept versions of a credential (no values)")
    .argument("<name>")
    .action(
      withContext(async (context, name: string) => {
        const history = await (await context.credentialStore()).getHistory(name);
        if (context.json) {
          printJson(history);
          return EXIT.ok;
        }
        const rows = history.map((entry) => [
          String(entry.version),
          entry.createdAt.slice(0, 19).replace("T", " "),
          entry.current ? "yes" : "",
          entry.restoredFrom === undefined ? "" : `restored from ${entry.restoredFrom}`,
        ]);
        printTable(["VERSION", "CREATED (UTC)", "CURRENT", "NOTE"], rows);
        return EXIT.ok;
      }),
    );

  vault
    .command("rollback")
    .description("make an earlier version current again (default: the previous one)")
    .argument("<name>")
    .option("--to <version>", "version number from 'vigil vault history'", parseVersion)
    .action(
      withContext(async (context, name: string, options: { to?: number }) => {
        const info = await (await context.credentialStore()).rollback(name, options.to);
        process.stdout.write(`${name} is now version ${info.currentVersion}\n`);
        return EXIT.ok;
      }),
    );

  vault
    .command("passwd")
    .description("change the master password (new one from VIGIL_NEW_MASTER_PASSWORD or a prompt)")
    .option("--allow-weak-password", "accept a weak new password (not recommended)")
    .action(
      withContext(async (context, options: { allowWeakPassword?: boolean }) => {
        const store = await context.openVault();
        const fromEnv = process.env.VIGIL_NEW_MASTER_PASSWORD;
        const newPassword =
          fromEnv !== undefined && fromEnv !== ""
            ? fromEnv
            : await promptHiddenTwice("New master password: ", "passwords");
        await store.changeMasterPassword(newPassword, {
          allowWeakPassword: options.allowWeakPassword === true,
        });
        process.stdout.write("master password changed\n");
        return EXIT.ok;
      }),
    );
}

async function readNewValue(name: string): Promise<string> {
  if (!process.stdin.isTTY) return readStdinText();
  const value = await promptHiddenTwice(`Value for ${name}: `, "values");
  return value === "" ? promptHidden(`Value for ${name} (empty is not allowed): `) : value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseVersion(text: string): number {
  const version = Number(text);
  if (!Number.isInteger(version) || version < 1) {
    throw new VigilError("E_USAGE", `--to takes a version number, not "${text}"`);
  }
  return version;
}
