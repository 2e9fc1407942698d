import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type ParseError, parse as parseJsonc, printParseErrorCode } from "jsonc-parser";
import { VigilError } from "../errors.js";
import { configSchema, type VigilConfig, type VigilConfigInput } from "./schema.js";

/** The file name looked for in the working directory. */
export const CONFIG_FILE_NAME = "vigil.config.json";

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * An explicit file; it must exist. Default: `VIGIL_CONFIG`, else `./vigil.config.json` when
   * there is one.
   */
  readonly file?: string;
  /** Settings layered over the file (from code or CLI flags). */
  readonly overrides?: VigilConfigInput;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * Loads, validates and freezes the configuration: defaults, then the file, then environment
 * overrides, then `overrides`.
 *
 * @throws {VigilError} `E_CONFIG` naming the bad key and what it expects.
 * @example
 * const config = loadConfig({ overrides: { vault: { maxBackupVersions: 5 } } });
 */
export function loadConfig(options: LoadConfigOptions = {}): VigilConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ?? (env.VIGIL_CONFIG || undefined);
  const fromFile = readConfigFile(file, cwd);
  const merged = mergeDeep(mergeDeep(fromFile, envOverrides(env)), options.overrides ?? {});
  return parseConfig(merged);
}

/** Validates an already-read object; the result is deeply frozen. */
export function parseConfig(input: unknown, source = "configuration"): VigilConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    throw new VigilError(
      "E_CONFIG",
      `${source}: ${where}: ${issue?.message ?? "invalid"}; see 'vigil config show' for defaults`,
    );
  }
  return deepFreeze(parsed.data);
}

function readConfigFile(file: string | undefined, cwd: string): Record<string, unknown> {
  const path = resolve(cwd, file ?? CONFIG_FILE_NAME);
  if (!existsSync(path)) {
    if (file !== undefined) throw new VigilError("E_CONFIG", `config file ${path} does not exist`);
    return {};
  }
  const raw = parseConfigText(readFileSync(path, "utf8"), path);
  if (!isPlainObject(raw)) throw new VigilError("E_CONFIG", `${path} must hold a JSON object`);
  // Validate the file alone first so an error names the file.
  parseConfig(raw, path);
  return raw;
}

/**
 * Parses configuration text: JSON with comments and trailing commas (as tsconfig.json allows),
 * so a starter config can explain itself.
 *
 * @throws {VigilError} `E_CONFIG` naming the line and column of the first syntax error.
 */
export function parseConfigText(text: string, source: string): unknown {
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  const first = errors[0];
  if (first !== undefined) {
    const before = text.slice(0, first.offset);
    const line = before.split("\n").length;
    const column = first.offset - before.lastIndexOf("\n");
    throw new VigilError(
      "E_CONFIG",
      `${source}:${line}:${column}: ${printParseErrorCode(first.error)}; fix the syntax`,
    );
  }
  return raw;
}

/** Environment variables that override single settings. */
export const ENV_OVERRIDES: Readonly<
  Record<string, { path: string[]; parse: (v: string) => unknown }>
> = {
  VIGIL_HOME: { path: ["home"], parse: (value) => value },
  VIGIL_VAULT_FILE: { path: ["vault", "file"], parse: (value) => value },
  VIGIL_MASTER_PASSWORD_FILE: { path: ["vault", "masterPasswordFile"], parse: (value) => value },
  VIGIL_AUDIT_DIR: { path: ["auditLogging", "logDirectory"], parse: (value) => value },
  VIGIL_AUDIT_DURABILITY: { path: ["auditLogging", "durability"], parse: (value) => value },
  VIGIL_MONITOR_DB: { path: ["accountMonitoring", "database"], parse: (value) => value },
  VIGIL_TIME_ZONE: { path: ["accountMonitoring", "timeZone"], parse: (value) => value },
};

function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, { path, parse }] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    let node = out;
    for (const key of path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = parse(value);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Merges `over` into a copy of `base`; neither input is changed. Arrays are replaced whole. */
function mergeDeep(base: unknown, over: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = isPlainObject(base) ? { ...base } : {};
  if (!isPlainObject(over)) return out;
  for (const [key, value] of Object.entries(over)) {
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? mergeDeep(out[key], value) : value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
