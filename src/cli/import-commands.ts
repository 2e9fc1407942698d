import { type Command, Option } from "commander";
import { VigilError } from "../errors.js";
import {
  IMPORT_FORMATS,
  type ImportFormat,
  type ImportReport,
  importCredentials,
} from "../integrations/index.js";
import { EXIT } from "./exit-codes.js";
import { withContext } from "./run-command.js";
import { printJson, warn } from "./terminal-io.js";

interface ImportCliOptions {
  from: ImportFormat;
  key?: string;
  overwrite?: boolean;
  deleteSource?: boolean;
  prefix?: string;
  dryRun?: boolean;
}

/** Registers `vigil import --from secrets-py|dotenv|python-vault PATH`. */
export function registerImportCommands(program: Command): void {
  program
    .command("import")
    .description("move credentials from a plain file or the old Python vault into the vault")
    .addOption(
      new Option("--from <format>", "source format").choices(IMPORT_FORMATS).makeOptionMandatory(),
    )
    .argument("<path>", "the file to import (config/secrets.py, .env, or the Python store)")
    .option("--key <file>", "python-vault: the Fernet key file (default: PATH.key)")
    .option("--overwrite", "replace credentials that already exist")
    .option("--delete-source", "after a successful import, zero and delete the plain file")
    .option("--prefix <prefix>", "put this in front of every name, e.g. linkedin/")
    .option("--dry-run", "show what would be imported; write nothing")
    .action(
      withContext(async (context, path: string, options: ImportCliOptions) => {
        if (options.key !== undefined && options.from !== "python-vault") {
          throw new VigilError("E_USAGE", "--key applies only to --from python-vault");
        }
        const vault = await context.openVault();
        const audit = await context.auditSink();
        const report = await importCredentials(vault, {
          format: options.from,
          path,
          overwrite: options.overwrite === true,
          deleteSource: options.deleteSource === true,
          dryRun: options.dryRun === true,
          ...(options.key === undefined ? {} : { keyFile: options.key }),
          ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
          ...(audit === undefined ? {} : { audit }),
        });

        for (const message of report.warnings) warn(`warning: ${message}`);
        if (context.json) printJson(report);
        else printReport(report);
        return EXIT.ok;
      }),
    );
}

function printReport(report: ImportReport): void {
  const verb = report.dryRun ? "would import" : "imported";
  const out = (line: string) => process.stdout.write(`${line}\n`);
  for (const credential of report.imported) {
    const notes: string[] = [];
    if (credential.sourceName !== credential.name) notes.push(`from ${credential.sourceName}`);
    if (credential.line !== undefined) notes.push(`line ${credential.line}`);
    if (credential.action === "overwrite") notes.push("replaces the existing value");
    out(`${verb} ${credential.name}${notes.length === 0 ? "" : ` (${notes.join(", ")})`}`);
  }
  for (const skip of report.skipped) {
    const where = skip.line === undefined ? "" : ` (line ${skip.line})`;
    out(`skipped ${skip.sourceName}${where}: ${skip.reason}`);
  }
  out(`${report.imported.length} credential(s) ${verb} from ${report.source}`);
  if (report.sourceDeleted) out(`deleted ${report.source}`);
  else if (!report.dryRun && report.imported.length > 0) {
    out("the plain file is still there: delete it (or rerun with --delete-source --overwrite)");
  }
}
