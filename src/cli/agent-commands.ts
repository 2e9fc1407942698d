import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { type Command, Option } from "commander";
import { openFileLogger } from "../agent/agent-log.js";
import { agentModules } from "../agent/agent-modules.js";
import { startAgent } from "../agent/agent-runtime.js";
import { agentSocketPath } from "../agent/agent-server.js";
import type { SessionStatus } from "../agent/session.js";
import { ERROR_CODES, type ErrorCode, isVigilError, VigilError } from "../errors.js";
import { ensurePrivateDirectory } from "../storage/index.js";
import { MASTER_PASSWORD_ENV } from "../vault/index.js";
import { AgentClient } from "./agent-client.js";
import type { CliContext, GlobalOptions } from "./context.js";
import { EXIT } from "./exit-codes.js";
import { withContext } from "./run-command.js";
import { printJson, readStdinText } from "./terminal-io.js";

/** How long `agent start` waits for the background process to report (covers a slow KDF). */
const START_TIMEOUT_MS = 60_000;
/** How long `agent stop` waits for the socket to disappear. */
const STOP_TIMEOUT_MS = 10_000;

interface StartReport {
  ok: boolean;
  pid?: number;
  code?: string;
  message?: string;
}

interface SessionAnswer extends SessionStatus {
  pid: number;
  startedAt: string;
  uptimeMs: number;
}

/**
 * Registers the `vigil agent ...` group and the global `--no-agent` flag.
 *
 * @example
 * registerAgentCommands(program); // vigil agent start|stop|status|unlock|lock
 */
export function registerAgentCommands(program: Command): void {
  program.option("--no-agent", "never use a running agent; open the vault here (VIGIL_NO_AGENT=1)");
  const agent = program
    .command("agent")
    .description("a background process holding the unlocked vault, served on <home>/agent.sock");

  agent
    .command("start")
    .description("unlock the vault once and serve it in the background")
    .option("--password-stdin", "read the master password from standard input")
    .action(
      withContext(async (context, options: { passwordStdin?: boolean }) => {
        const client = new AgentClient(agentSocketPath(context.home));
        if (await client.answers()) {
          throw new VigilError(
            "E_AGENT",
            `an agent already serves ${context.home}; see 'vigil agent status'`,
          );
        }
        const password = await passwordFor(context, options);
        const report = await spawnAgent(context.home, program.opts<GlobalOptions>(), password);
        if (context.json) printJson({ started: true, pid: report.pid, socket: client.socketPath });
        else process.stdout.write(`agent started (pid ${report.pid}) on ${client.socketPath}\n`);
        return EXIT.ok;
      }),
    );

  agent
    .command("stop")
    .description("lock the vault and stop the agent")
    .action(
      withContext(async (context) => {
        const client = new AgentClient(agentSocketPath(context.home));
        if (!(await client.answers())) {
          process.stdout.write("no agent is running\n");
          return EXIT.ok;
        }
        const { pid } = await client.request<{ pid: number }>("POST", "/v1/agent/stop");
        await waitForExit(client.socketPath, pid);
        process.stdout.write(`agent stopped (pid ${pid})\n`);
        return EXIT.ok;
      }),
    );

  agent
    .command("status")
    .description("pid, uptime, locked or unlocked, time left before the idle and max-age locks")
    .action(
      withContext(async (context) => {
        const client = new AgentClient(agentSocketPath(context.home));
        if (!(await client.answers())) {
          if (context.json) printJson({ running: false });
          else process.stdout.write("no agent is running\n");
          return EXIT.notFound;
        }
        const status = await client.request<SessionAnswer>("GET", "/v1/session");
        if (context.json) printJson({ running: true, socket: client.socketPath, ...status });
        else process.stdout.write(describeStatus(status, client.socketPath));
        return EXIT.ok;
      }),
    );

  agent
    .command("unlock")
    .description("unlock a locked agent (password from the environment, its file, or a prompt)")
    .option("--password-stdin", "read the master password from standard input")
    .action(
      withContext(async (context, options: { passwordStdin?: boolean }) => {
        const client = await runningAgent(context.home);
        const password = await passwordFor(context, options);
        await client.request("POST", "/v1/session/unlock", { body: { password } });
        process.stdout.write("agent unlocked\n");
        return EXIT.ok;
      }),
    );

  agent
    .command("lock")
    .description("wipe the agent's vault key now; it keeps running and answers E_LOCKED")
    .action(
      withContext(async (context) => {
        const client = await runningAgent(context.home);
        await client.request("POST", "/v1/session/lock");
        process.stdout.write("agent locked\n");
        return EXIT.ok;
      }),
    );

  agent
    .command("serve", { hidden: true })
    .description("run the agent in the foreground (what 'start' runs in the background)")
    .option("--password-stdin", "read the master password from standard input")
    .addOption(
      new Option("--notify-fd <fd>", "report readiness on this descriptor").argParser(Number),
    )
    .action(
      withContext(async (context, options: { passwordStdin?: boolean; notifyFd?: number }) => {
        let notifyFd = options.notifyFd;
        const notify = (report: StartReport) => {
          if (notifyFd === undefined) return;
          const fd = notifyFd;
          notifyFd = undefined;
          try {
            writeSync(fd, `${JSON.stringify(report)}\n`);
            closeSync(fd);
          } catch {
            // The starting process is gone (EPIPE); the agent runs on regardless.
          }
        };
        try {
          const password = await passwordFor(context, options);
          ensurePrivateDirectory(context.home);
          const logger = openFileLogger(join(context.home, "agent.log"), {
            verbose: process.env.VIGIL_AGENT_LOG === "debug",
          });
          const running = await startAgent({
            home: context.home,
            config: context.config,
            masterPassword: password,
            logger,
            // Not context.auditSink(): it would open the vault again with a password this
            // process does not keep; the agent's own audit module writes the trail.
            modules: agentModules({ home: context.home, config: context.config }),
          });
          for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
            process.once(signal, () => void running.stop());
          }
          notify({ ok: true, pid: process.pid });
          await running.stopped;
          logger.close();
          return EXIT.ok;
        } catch (error) {
          notify({
            ok: false,
            code: isVigilError(error) ? error.code : "E_AGENT",
            message: isVigilError(error) ? error.message : "the agent failed to start",
          });
          throw error;
        }
      }),
    );
}

/** `--password-stdin` (for scripts), else the environment, the password file or a prompt. */
async function passwordFor(
  context: CliContext,
  options: { passwordStdin?: boolean },
): Promise<string> {
  if (!options.passwordStdin) return context.masterPassword();
  const password = await readStdinText();
  if (password === "") throw new VigilError("E_USAGE", "--password-stdin read an empty password");
  return password;
}

async function runningAgent(home: string): Promise<AgentClient> {
  const client = new AgentClient(agentSocketPath(home));
  if (!(await client.answers())) {
    throw new VigilError("E_AGENT", "no agent is running; start one with 'vigil agent start'");
  }
  return client;
}

/**
 * Starts `vigil agent serve` detached. The password travels on the child's stdin pipe, never in
 * argv (visible in `ps`), the environment (readable in /proc) or a file; the child reports on
 * descriptor 3 once it listens or has failed.
 */
async function spawnAgent(
  home: string,
  globals: GlobalOptions,
  password: string,
): Promise<StartReport> {
  const entry = process.argv[1];
  if (entry === undefined) throw new VigilError("E_AGENT", "cannot tell which program to start");
  const env = { ...process.env };
  delete env[MASTER_PASSWORD_ENV];
  if (globals.config !== undefined) env.VIGIL_CONFIG = resolve(globals.config);
  const args = [
    ...process.execArgv,
    entry,
    "--home",
    home,
    "agent",
    "serve",
    "--password-stdin",
    "--notify-fd",
    "3",
  ];
  const child = spawn(process.execPath, args, {
    detached: true,
    env,
    stdio: ["pipe", "ignore", "ignore", "pipe"],
  });
  child.stdin?.end(`${password}\n`);

  const report = await readStartReport(child, home);
  if (!report.ok) {
    const code = ERROR_CODES.includes(report.code as ErrorCode)
      ? (report.code as ErrorCode)
      : "E_AGENT";
    throw new VigilError(code, report.message ?? "the agent failed to start");
  }
  child.unref();
  return report;
}

function readStartReport(child: ChildProcess, home: string): Promise<StartReport> {
  const channel = child.stdio[3] as Readable | null;
  const logHint = `see ${join(home, "agent.log")}`;
  return new Promise<StartReport>((resolvePromise, reject) => {
    let text = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new VigilError("E_AGENT", `the agent did not start within 60 s; ${logHint}`));
    }, START_TIMEOUT_MS);
    const fail = () => {
      clearTimeout(timer);
      reject(new VigilError("E_AGENT", `the agent exited while starting; ${logHint}`));
    };
    child.once("error", fail);
    if (channel === null) {
      fail();
      return;
    }
    channel.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    channel.once("end", () => {
      clearTimeout(timer);
      channel.destroy();
      try {
        resolvePromise(JSON.parse(text) as StartReport);
      } catch {
        fail();
      }
    });
  });
}

async function waitForExit(socketPath: string, pid: number): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!existsSync(socketPath) && !processAlive(pid)) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new VigilError("E_AGENT", `the agent (pid ${pid}) did not stop within 10 s`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function describeStatus(status: SessionAnswer, socketPath: string): string {
  const lines = [
    `agent:    running (pid ${status.pid}), up ${formatDuration(status.uptimeMs)}`,
    `socket:   ${socketPath}`,
    status.locked
      ? `vault:    locked (${status.lockReason ?? "unknown"}); run 'vigil agent unlock'`
      : "vault:    unlocked",
  ];
  if (!status.locked) {
    lines.push(`idle:     locks in ${formatDuration(status.idleMsLeft ?? 0)} without use`);
    lines.push(`max age:  locks in ${formatDuration(status.maxAgeMsLeft ?? 0)} at the latest`);
  }
  return `${lines.join("\n")}\n`;
}

/** "1h 02m", "4m 05s", "12s". */
function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
  return `${seconds}s`;
}
