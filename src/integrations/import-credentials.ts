import { execFile } from "node:child_process";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { AuditSink } from "../audit-sink.js";
import { isVigilError, VigilError } from "../errors.js";
import { describeIoError, fsyncDirectory } from "../storage/index.js";
import {
  assertCredentialName,
  assertCredentialValue,
  type CredentialMetadata,
  type EncryptedVault,
} from "../vault/index.js";
import { parseDotenv } from "./import-dotenv.js";
import { readPythonVault } from "./import-python-vault.js";
import { parseSecretsPy } from "./import-secrets-py.js";

/** The source formats `vigil import --from` reads. */
export const IMPORT_FORMATS = ["secrets-py", "dotenv", "python-vault"] as const;
/** One of {@link IMPORT_FORMATS}. */
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The largest source file read, so a wrong path (a log, an image) fails fast. */
export const MAX_IMPORT_FILE_BYTES = 16 * 1024 * 1024;

/** Options for {@link importCredentials}. */
export interface ImportOptions {
  readonly format: ImportFormat;
  readonly path: string;
  /** python-vault only: the Fernet key file. Default: `<path>.key`. */
  readonly keyFile?: string;
  /** Replace credentials that already exist. Default false: the import stops instead. */
  readonly overwrite?: boolean;
  /** After a successful import, overwrite the source with zeros and remove it. Default false. */
  readonly deleteSource?: boolean;
  /** Prepended to every imported name, e.g. `linkedin/`. Default none. */
  readonly prefix?: string;
  /** Check and report, write nothing. Default false. */
  readonly dryRun?: boolean;
  /** Receives one credential_modify event per imported credential. */
  readonly audit?: AuditSink;
  /** Look up whether git tracks the source. Default true. */
  readonly checkGit?: boolean;
}

/** One credential the import wrote (or would write, in a dry run). */
export interface ImportedCredential {
  /** The vault name. */
  readonly name: string;
  /** The name in the source file. */
  readonly sourceName: string;
  readonly line?: number;
  readonly action: "create" | "overwrite";
}

/** What an import did: names and reasons only, never a value. */
export interface ImportReport {
  readonly format: ImportFormat;
  readonly source: string;
  readonly dryRun: boolean;
  readonly imported: ImportedCredential[];
  readonly skipped: { readonly sourceName: string; readonly line?: number; reason: string }[];
  /** True when git tracks the source file: its values are in the repository's history. */
  readonly gitTracked: boolean;
  readonly sourceDeleted: boolean;
  readonly warnings: string[];
}

interface Candidate {
  readonly sourceName: string;
  readonly value: string;
  readonly line?: number;
  readonly metadata: CredentialMetadata;
}

/**
 * Moves credentials from a plain file (or the Python design's store) into the vault. Everything
 * is parsed and validated first, then written in one vault transaction, so bad input or a name
 * clash leaves the vault as it was.
 *
 * @throws {VigilError} `E_NOT_FOUND` (source or key file), `E_INVALID_VALUE` (with the line),
 * `E_INVALID_NAME`, `E_EXISTS` (names already in the vault, without `overwrite`), `E_INTEGRITY`
 * (a Fernet token that fails authentication), `E_IO`.
 * @example
 * const report = await importCredentials(vault, { format: "secrets-py", path: "config/secrets.py" });
 * report.imported.map((c) => c.name); // ["username", "password", "llm_api_key"]
 */
export async function importCredentials(
  vault: EncryptedVault,
  options: ImportOptions,
): Promise<ImportReport> {
  const path = resolve(options.path);
  const warnings: string[] = [];
  const skipped: ImportReport["skipped"] = [];
  const candidates = readCandidates(options, path, skipped);
  const named = mapNames(candidates, options.prefix ?? "");
  const gitTracked = options.checkGit === false ? false : await isTrackedByGit(path);
  if (gitTracked) {
    warnings.push(
      `${path} is tracked by git: its values are in the repository history; rotate them after the import`,
    );
  }

  const imported = options.dryRun
    ? await planImport(vault, named, options.overwrite === true)
    : await writeImport(vault, named, options.overwrite === true);
  if (!options.dryRun) await recordImport(options, imported);

  let sourceDeleted = false;
  if (options.deleteSource && options.dryRun) warnings.push("dry run: the source was not deleted");
  else if (options.deleteSource) {
    shredFile(path);
    sourceDeleted = true;
    if (options.format === "python-vault") {
      warnings.push(`the key file ${keyFileOf(options, path)} was left in place; delete it too`);
    }
  }
  return {
    format: options.format,
    source: path,
    dryRun: options.dryRun === true,
    imported,
    skipped,
    gitTracked,
    sourceDeleted,
    warnings,
  };
}

/**
 * A valid vault name for `sourceName`: characters outside `A-Z a-z 0-9 _ . / -` become `_`, and
 * `prefix` goes in front. Case is kept so `vigil run` env files can name variables and
 * credentials alike.
 *
 * @throws {VigilError} `E_INVALID_NAME` when the result is longer than 128 characters.
 * @example
 * toCredentialName("llm api-key", "linkedin/"); // "linkedin/llm_api-key"
 */
export function toCredentialName(sourceName: string, prefix = ""): string {
  const name = `${prefix}${sourceName.replace(/[^A-Za-z0-9_./-]/g, "_")}`;
  assertCredentialName(name);
  return name;
}

function readCandidates(
  options: ImportOptions,
  path: string,
  skipped: ImportReport["skipped"],
): Candidate[] {
  const text = readSource(path, "source file");
  const tag = { importedFrom: options.format };
  let candidates: Candidate[];
  if (options.format === "python-vault") {
    const keyText = readSource(keyFileOf(options, path), "key file (pass it with --key)");
    candidates = readPythonVault(text, keyText).map((entry) => ({
      sourceName: entry.name,
      value: entry.value,
      metadata: {
        ...tag,
        ...(entry.created === undefined ? {} : { originalCreated: entry.created }),
        ...(entry.expires === undefined ? {} : { expires: entry.expires }),
      },
    }));
  } else {
    const parsed =
      options.format === "dotenv"
        ? { assignments: parseDotenv(text), skipped: [] }
        : parseSecretsPy(text);
    for (const skip of parsed.skipped) {
      skipped.push({ sourceName: skip.name, line: skip.line, reason: skip.reason });
    }
    candidates = parsed.assignments.map((a) => ({ ...a, sourceName: a.name, metadata: tag }));
  }

  return candidates.filter((candidate) => {
    if (candidate.value !== "") return true;
    skipped.push({ sourceName: candidate.sourceName, ...lineOf(candidate), reason: "empty value" });
    return false;
  });
}

function mapNames(
  candidates: readonly Candidate[],
  prefix: string,
): (Candidate & { name: string })[] {
  const seen = new Map<string, Candidate>();
  return candidates.map((candidate) => {
    const where = candidate.line === undefined ? "" : `line ${candidate.line}: `;
    let name: string;
    try {
      name = toCredentialName(candidate.sourceName, prefix);
      assertCredentialValue(candidate.value, name);
    } catch (error) {
      if (isVigilError(error)) throw new VigilError(error.code, `${where}${error.message}`);
      throw error;
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new VigilError(
        "E_INVALID_NAME",
        `${where}"${candidate.sourceName}" and "${earlier.sourceName}" both become "${name}"; rename one`,
      );
    }
    seen.set(name, candidate);
    return { ...candidate, name };
  });
}

async function planImport(
  vault: EncryptedVault,
  named: readonly (Candidate & { name: string })[],
  overwrite: boolean,
): Promise<ImportedCredential[]> {
  const existing = new Set<string>();
  for (const candidate of named) {
    if (await vault.hasCredential(candidate.name)) existing.add(candidate.name);
  }
  assertNoClash(existing, overwrite);
  return named.map((candidate) => imported(candidate, existing.has(candidate.name)));
}

async function writeImport(
  vault: EncryptedVault,
  named: readonly (Candidate & { name: string })[],
  overwrite: boolean,
): Promise<ImportedCredential[]> {
  if (named.length === 0) return [];
  return vault.transaction((tx) => {
    const existing = new Set(named.filter((c) => tx.has(c.name)).map((c) => c.name));
    assertNoClash(existing, overwrite);
    for (const candidate of named) tx.set(candidate.name, candidate.value, candidate.metadata);
    return named.map((candidate) => imported(candidate, existing.has(candidate.name)));
  });
}

function assertNoClash(existing: ReadonlySet<string>, overwrite: boolean): void {
  if (existing.size === 0 || overwrite) return;
  const names = [...existing].sort();
  const shown = names.slice(0, 10).join(", ") + (names.length > 10 ? ", ..." : "");
  throw new VigilError(
    "E_EXISTS",
    `${names.length} credential(s) already exist (${shown}); nothing was imported. ` +
      "Pass --overwrite to replace them, or --prefix to import under other names",
  );
}

function imported(candidate: Candidate & { name: string }, exists: boolean): ImportedCredential {
  return {
    name: candidate.name,
    sourceName: candidate.sourceName,
    ...lineOf(candidate),
    action: exists ? "overwrite" : "create",
  };
}

async function recordImport(options: ImportOptions, done: readonly ImportedCredential[]) {
  if (options.audit === undefined) return;
  for (const credential of done) {
    await options.audit.record({
      eventType: "credential_modify",
      description: `credential ${credential.name} imported from ${options.format}`,
      details: {
        credential: credential.name,
        action: "import",
        format: options.format,
        overwritten: credential.action === "overwrite",
      },
    });
  }
}

function lineOf(candidate: { line?: number }): { line?: number } {
  return candidate.line === undefined ? {} : { line: candidate.line };
}

function keyFileOf(options: ImportOptions, path: string): string {
  return resolve(options.keyFile ?? `${path}.key`);
}

function readSource(path: string, what: string): string {
  try {
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      if (size > MAX_IMPORT_FILE_BYTES) {
        throw new VigilError(
          "E_INVALID_VALUE",
          `${path} is ${size} bytes; an import source is at most ${MAX_IMPORT_FILE_BYTES}`,
        );
      }
      return readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (isVigilError(error)) throw error;
    const code = describeIoError(error);
    if (code === "ENOENT") throw new VigilError("E_NOT_FOUND", `no ${what} at ${path}`);
    throw new VigilError("E_IO", `cannot read the ${what} ${path} (${code})`, { cause: error });
  }
}

/**
 * Asks git whether it tracks `path`, from the file's own folder so any enclosing repository
 * counts. No git, no repository or a timeout all mean "not tracked".
 *
 * @example
 * if (await isTrackedByGit("config/secrets.py")) console.warn("rotate these values");
 */
export function isTrackedByGit(path: string): Promise<boolean> {
  return new Promise((done) => {
    execFile(
      "git",
      ["ls-files", "--error-unmatch", "--", basename(path)],
      { cwd: dirname(path), timeout: 5_000 },
      (error) => done(error === null),
    );
  });
}

/**
 * Overwrites the file with zeros, flushes that to disk and removes it. On copy-on-write or
 * journaling file systems and SSDs the old blocks may survive; this removes the easy copy, and
 * the values should still be rotated if the file was ever shared or committed.
 */
function shredFile(path: string): void {
  try {
    const fd = openSync(path, "r+");
    try {
      const zeros = Buffer.alloc(64 * 1024);
      let left = fstatSync(fd).size;
      let position = 0;
      while (left > 0) {
        const written = writeSync(fd, zeros, 0, Math.min(left, zeros.length), position);
        left -= written;
        position += written;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    unlinkSync(path);
    fsyncDirectory(dirname(path));
  } catch (error) {
    throw new VigilError(
      "E_IO",
      `the credentials were imported, but ${path} could not be deleted (${describeIoError(error)}); delete it by hand`,
      { cause: error },
    );
  }
}
