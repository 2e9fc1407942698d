import { spawn } from "node:child_process";
import type { EventEmitter } from "node:events";
import { constants } from "node:os";
import { basename } from "node:path";
import { PassThrough, type Readable, type Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import type { AuditSink } from "../audit-sink.js";
import { type Clock, systemClock } from "../clock.js";
import { VigilError } from "../errors.js";
import { MASTER_PASSWORD_ENV } from "../vault/index.js";
import {
  type CredentialReader,
  referencedCredential,
  resolveEnvReferences,
} from "./env-references.js";
import {
  createMaskingStream,
  MIN_MASKED_LENGTH,
  partitionMaskable,
  printedForms,
} from "./output-masker.js";

/** The signals vigil passes on to the child while it runs. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Variables never handed to the child: the master password opens every credential, and the
 * child should get only the ones it was given.
 */
export const WITHHELD_VARIABLES: readonly string[] = [
  MASTER_PASSWORD_ENV,
  "VIGIL_NEW_MASTER_PASSWORD",
];

/** Options for {@link runChild}. */
export interface RunChildOptions {
  readonly command: string;
  readonly args?: readonly string[];
  /** The child's whole environment. */
  readonly env: NodeJS.ProcessEnv;
  /** Values to conceal in the child's stdout and stderr. */
  readonly secrets?: readonly string[];
  /** Default true. When false the child writes straight to the terminal. */
  readonly masking?: boolean;
  readonly cwd?: string;
  /** Default `process.stdout` / `process.stderr`. */
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** Default `inherit`: the child reads vigil's stdin. */
  readonly stdin?: "inherit" | "ignore";
  /** Where forwarded signals arrive. Default `process`. */
  readonly signalSource?: EventEmitter;
  /** Default {@link FORWARDED_SIGNALS}. */
  readonly forwardSignals?: readonly NodeJS.Signals[];
  readonly clock?: Clock;
}

/** How a child ended. */
export interface ChildOutcome {
  /** The child's exit code, or 128 + the signal number when a signal ended it (as shells do). */
  readonly exitCode: number;
  readonly signal: NodeJS.Signals | null;
  readonly durationMs: number;
}

/**
 * Runs a command with the given environment, forwarding signals and masking secret values in
 * its output, and resolves when it has exited and its output has been written.
 *
 * @throws {VigilError} `E_CHILD_FAILED` when the command cannot be started (its `cause` carries
 * the system code, e.g. ENOENT).
 * @example
 * const { exitCode } = await runChild({ command: "python3", args: ["bot.py"], env, secrets });
 */
export async function runChild(options: RunChildOptions): Promise<ChildOutcome> {
  const clock = options.clock ?? systemClock;
  const masking = options.masking !== false && (options.secrets?.length ?? 0) > 0;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const inheritOutput = !masking && options.stdout === undefined && options.stderr === undefined;
  const startedMs = clock.now();

  const child = spawn(options.command, options.args ?? [], {
    env: options.env,
    stdio: [
      options.stdin ?? "inherit",
      inheritOutput ? "inherit" : "pipe",
      inheritOutput ? "inherit" : "pipe",
    ],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });

  const source = options.signalSource ?? process;
  const forwarders = (options.forwardSignals ?? FORWARDED_SIGNALS).map((signal) => {
    const forward = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    source.on(signal, forward);
    return () => source.off(signal, forward);
  });

  const outputs: Promise<void>[] = [];
  const secrets = masking ? options.secrets : undefined;
  if (child.stdout !== null) outputs.push(relay(child.stdout, stdout, secrets));
  if (child.stderr !== null) outputs.push(relay(child.stderr, stderr, secrets));

  try {
    const { code, signal } = await exited(child, options.command);
    await Promise.all(outputs);
    return {
      exitCode: code ?? 128 + signalNumber(signal),
      signal,
      durationMs: clock.now() - startedMs,
    };
  } finally {
    for (const remove of forwarders) remove();
  }
}

/** Options for {@link runWithCredentials}. */
export interface RunWithCredentialsOptions extends Omit<RunChildOptions, "env" | "secrets"> {
  /** Variables for the child (config `integration.env` merged with the env file); values may be
   * `vigil://NAME`. */
  readonly variables: Readonly<Record<string, string>>;
  /** The environment the child starts from. Default `process.env`, minus {@link WITHHELD_VARIABLES}. */
  readonly baseEnv?: NodeJS.ProcessEnv;
  /** Opened only when a variable holds a reference, so plain runs need no master password. */
  readonly reader: () => Promise<CredentialReader>;
  readonly audit?: AuditSink;
  /** Told about values too short to mask, before the child starts. Default: ignore. */
  readonly onWarning?: (message: string) => void;
}

/** What {@link runWithCredentials} reports besides the exit. */
export interface RunReport extends ChildOutcome {
  /** Injected variable names (never values). */
  readonly injected: readonly { variable: string; credential: string }[];
}

/**
 * `vigil run`: resolves every `vigil://` reference (all before the child starts), runs the
 * command with the values in its environment, conceals them in its output, and records the
 * access, the start and the end in the audit trail.
 *
 * @throws {VigilError} `E_NOT_FOUND` for a missing credential (the child is not started),
 * `E_CHILD_FAILED` when the command cannot be started.
 * @example
 * const report = await runWithCredentials({
 *   command: "python3", args: ["bot.py"], variables: { API_KEY: "vigil://openai_api_key" },
 *   reader: async () => vault,
 * });
 */
export async function runWithCredentials(options: RunWithCredentialsOptions): Promise<RunReport> {
  const hasReference = Object.values(options.variables).some(
    (value) => referencedCredential(value) !== undefined,
  );
  const resolved = hasReference
    ? await resolveEnvReferences(options.variables, await options.reader(), {
        ...(options.audit === undefined ? {} : { audit: options.audit }),
      })
    : { env: options.variables, injected: [] };

  const env = childEnvironment(options.baseEnv ?? process.env, resolved.env);
  const masking = options.masking !== false;
  const { maskable, tooShort } = partitionMaskable(resolved.injected.map((i) => i.value));
  if (masking && tooShort.length > 0) {
    const names = resolved.injected
      .filter((i) => tooShort.includes(i.value))
      .map((i) => i.variable);
    options.onWarning?.(
      `not masking ${names.join(", ")}: values shorter than ${MIN_MASKED_LENGTH} characters would hide ordinary output`,
    );
  }
  const injected = resolved.injected.map(({ variable, credential }) => ({ variable, credential }));

  const command = basename(options.command);
  await options.audit?.record({
    eventType: "api_call",
    description: `vigil run started ${command}`,
    details: { action: "run_start", command, variables: injected.map((i) => i.variable), masking },
  });
  const secrets = maskable.flatMap(printedForms);
  let outcome: ChildOutcome;
  try {
    outcome = await runChild({ ...options, env, secrets, masking });
  } catch (error) {
    // The values were handed out even though nothing ran: the trail says how that ended.
    await options.audit?.record({
      eventType: "error",
      severity: "medium",
      description: `vigil run: ${command} could not be started`,
      details: { action: "run_end", command, started: false },
    });
    throw error;
  }
  await options.audit?.record({
    eventType: "api_call",
    severity: outcome.exitCode === 0 ? "low" : "medium",
    description: `vigil run: ${command} exited with ${outcome.exitCode}`,
    details: {
      action: "run_end",
      command,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      durationMs: outcome.durationMs,
    },
  });
  return { ...outcome, injected };
}

/**
 * The base environment without {@link WITHHELD_VARIABLES}, overlaid with `variables`. A null
 * prototype keeps a variable named `__proto__` an ordinary variable.
 */
function childEnvironment(
  base: NodeJS.ProcessEnv,
  variables: Readonly<Record<string, string>>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.create(null);
  for (const [name, value] of Object.entries(base)) {
    if (!WITHHELD_VARIABLES.includes(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(variables)) env[name] = value;
  return env;
}

/**
 * Copies a child's output stream to `to`, through the masker when there are secrets. Never
 * rejects: a stream that fails (a child that could not start, a reader that went away) simply
 * ends the copy, and the child's exit decides the outcome. When `to` fails (the reader of
 * `vigil run ... | head` went away), the child's end of the pipe is closed too, so the child
 * sees a broken pipe as it would without vigil in between, instead of blocking forever.
 */
function relay(
  from: Readable,
  to: Writable,
  secrets: readonly string[] | undefined,
): Promise<void> {
  const through = secrets === undefined ? new PassThrough() : createMaskingStream(secrets);
  const closeSource = () => {
    from.destroy();
    through.destroy();
  };
  to.on("error", closeSource);
  through.pipe(to, { end: false });
  return new Promise<void>((resolve) => {
    let pending = 2;
    const settle = () => {
      pending--;
      if (pending > 0) return;
      to.off("error", closeSource);
      resolve();
    };
    // pipeline carries an error on the child's side into the masker, so neither waits forever.
    pipeline(from, through).then(settle, settle);
    finished(through).then(settle, settle);
  });
}

function exited(
  child: ReturnType<typeof spawn>,
  command: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new VigilError(
          "E_CHILD_FAILED",
          `could not start "${command}" (${error.code ?? "unknown error"}); check the command and PATH`,
          { cause: error },
        ),
      );
    });
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (constants.signals[signal] ?? 0);
}
