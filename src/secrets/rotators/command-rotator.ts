import { spawn } from "node:child_process";
import { VigilError } from "../../errors.js";
import type { Rotator, Verifier } from "./rotator.js";

/** An executable and its arguments, run without a shell. */
export interface CommandSpec {
  /** Path of the executable, or a name looked up on `PATH`. */
  readonly command: string;
  readonly args: readonly string[];
  /** Kill it after this long. Default: config `secretsRotation.commandTimeoutMs` (30 s). */
  readonly timeoutMs?: number;
}

/** How a rotation command ended. */
export interface CommandOutcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Standard output, at most {@link MAX_COMMAND_OUTPUT_BYTES}. */
  readonly stdout: string;
  readonly timedOut: boolean;
  readonly outputTooLarge: boolean;
}

/** Options for {@link runSecretCommand}. */
export interface RunSecretCommandOptions {
  /** Written to the command's standard input, then closed. Never placed in argv or env. */
  readonly input: string;
  readonly timeoutMs: number;
  /** The credential name, passed as `VIGIL_SECRET_NAME` (a name is not a secret). */
  readonly name: string;
  /** `rotate` or `verify`, passed as `VIGIL_ROTATION_STEP`. */
  readonly step: "rotate" | "verify";
}

/** Largest standard output accepted from a rotation command: 1 MiB. */
export const MAX_COMMAND_OUTPUT_BYTES = 1024 * 1024;

/**
 * Runs a rotation or verify command: no shell, the secret on standard input only, standard
 * error discarded (it may echo the secret), and the master password removed from its
 * environment. The command leads a new process group; on timeout the whole group is killed, so
 * a script's children cannot keep running with the old value.
 *
 * @throws {VigilError} `E_ROTATION_FAILED` when the executable cannot be started.
 * @example
 * const outcome = await runSecretCommand(
 *   { command: "./issue-key.sh", args: [] },
 *   { input: oldValue, timeoutMs: 30_000, name: "openai_api_key", step: "rotate" },
 * );
 */
export function runSecretCommand(
  spec: CommandSpec,
  options: RunSecretCommandOptions,
): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, [...spec.args], {
      stdio: ["pipe", "pipe", "ignore"],
      detached: true,
      shell: false,
      env: commandEnvironment(options),
      windowsHide: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let outputTooLarge = false;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);

    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_COMMAND_OUTPUT_BYTES) {
        outputTooLarge = true;
        killGroup();
        return;
      }
      chunks.push(chunk);
    });
    // A command that exits without reading its input makes the write fail with EPIPE; its exit
    // status is what counts.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input);

    child.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new VigilError(
          "E_ROTATION_FAILED",
          `could not start "${spec.command}" (${error.code ?? error.name}); check the path and its execute permission`,
          { cause: error },
        ),
      );
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(chunks).toString("utf8"),
        timedOut,
        outputTooLarge,
      });
    });
  });
}

/**
 * A rotator that runs `spec` with the old value on standard input (empty for a first value) and
 * takes its standard output, minus one trailing newline, as the new value.
 *
 * @throws {VigilError} `E_ROTATION_FAILED` (from the returned rotator) on a non-zero exit, a
 * timeout, output over 1 MiB, or empty output.
 * @example
 * const rotator = commandRotator({ command: "/opt/bot/new-token", args: [] }, 30_000);
 */
export function commandRotator(spec: CommandSpec, defaultTimeoutMs: number): Rotator {
  return async ({ name, oldValue }) => {
    const timeoutMs = spec.timeoutMs ?? defaultTimeoutMs;
    const outcome = await runSecretCommand(spec, {
      input: oldValue ?? "",
      timeoutMs,
      name,
      step: "rotate",
    });
    assertCommandSucceeded(spec, outcome, timeoutMs);

    const value = outcome.stdout.replace(/\r?\n$/, "");
    if (value === "") {
      throw new VigilError(
        "E_ROTATION_FAILED",
        `"${spec.command}" exited 0 but printed nothing; it must print the new value on stdout`,
      );
    }
    return value;
  };
}

/**
 * A verifier that runs `spec` with the staged value on standard input; exit status 0 accepts it.
 *
 * @example
 * const verify = commandVerifier({ command: "/opt/bot/check-key", args: [] }, 30_000);
 */
export function commandVerifier(spec: CommandSpec, defaultTimeoutMs: number): Verifier {
  return async ({ name, newValue }) => {
    const timeoutMs = spec.timeoutMs ?? defaultTimeoutMs;
    const outcome = await runSecretCommand(spec, {
      input: newValue,
      timeoutMs,
      name,
      step: "verify",
    });
    assertCommandSucceeded(spec, outcome, timeoutMs);
    return true;
  };
}

function assertCommandSucceeded(spec: CommandSpec, outcome: CommandOutcome, timeoutMs: number) {
  const what = `"${spec.command}"`;
  if (outcome.timedOut) {
    throw new VigilError(
      "E_ROTATION_FAILED",
      `${what} did not finish within ${timeoutMs} ms and was killed`,
    );
  }
  if (outcome.outputTooLarge) {
    throw new VigilError(
      "E_ROTATION_FAILED",
      `${what} printed more than ${MAX_COMMAND_OUTPUT_BYTES} bytes and was killed`,
    );
  }
  if (outcome.exitCode !== 0) {
    const how =
      outcome.exitCode === null ? `was killed by ${outcome.signal}` : `exited ${outcome.exitCode}`;
    throw new VigilError("E_ROTATION_FAILED", `${what} ${how}`);
  }
}

/**
 * The parent's environment without anything that unlocks the vault: a rotation script has no
 * business with the master password, and environments are readable by same-user processes.
 */
function commandEnvironment(options: RunSecretCommandOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/MASTER_PASSWORD/i.test(key)) continue;
    env[key] = value;
  }
  env.VIGIL_SECRET_NAME = options.name;
  env.VIGIL_ROTATION_STEP = options.step;
  return env;
}
