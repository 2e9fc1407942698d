import { existsSync, lstatSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { makeProject, TEST_PASSWORD } from "../helpers/temp-home.js";

const withPassword = { VAULT_MASTER_PASSWORD: TEST_PASSWORD };
const started: { home: string; configPath: string }[] = [];

afterEach(async () => {
  for (const project of started.splice(0)) {
    await runCli(["--home", project.home, "--config", project.configPath, "agent", "stop"]);
  }
});

/** A project with a vault holding api_key (two versions); `cli` runs vigil on it. */
async function projectWithVault(session: Record<string, unknown> = {}) {
  const project = makeProject({ session });
  const cli = (args: string[], env: Record<string, string> = {}, input?: string) =>
    runCli(["--home", project.home, "--config", project.configPath, ...args], {
      env,
      cwd: project.dir,
      ...(input === undefined ? {} : { input }),
    });
  expect((await cli(["init"], withPassword)).code).toBe(0);
  expect((await cli(["vault", "set", "api_key"], withPassword, "first-value")).code).toBe(0);
  expect((await cli(["vault", "set", "api_key"], withPassword, "second-value")).code).toBe(0);
  return { ...project, cli };
}

async function startAgentFor(project: Awaited<ReturnType<typeof projectWithVault>>) {
  // Debug logging writes a line per request, which the tests read.
  const result = await project.cli(["agent", "start"], {
    ...withPassword,
    VIGIL_AGENT_LOG: "debug",
  });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  started.push(project);
  return result;
}

async function statusOf(project: Awaited<ReturnType<typeof projectWithVault>>) {
  const result = await project.cli(["--json", "agent", "status"]);
  return { code: result.code, ...(JSON.parse(result.stdout) as Record<string, unknown>) };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("vigil agent start | status | stop", () => {
  it("starts in the background, reports its state, and stops cleanly", async () => {
    const project = await projectWithVault();
    const socket = join(project.home, "agent.sock");

    const start = await startAgentFor(project);
    expect(start.stdout).toMatch(/^agent started \(pid \d+\)/);
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(lstatSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(project.home).mode & 0o777).toBe(0o700);
    expect(statSync(join(project.home, "agent.log")).mode & 0o777).toBe(0o600);

    const status = await project.cli(["agent", "status"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/running \(pid \d+\)/);
    expect(status.stdout).toContain("vault:    unlocked");
    expect(status.stdout).toMatch(/idle: +locks in 29m/);
    const json = await statusOf(project);
    expect(json).toMatchObject({ running: true, locked: false, idleTimeoutMs: 30 * 60_000 });

    const stop = await project.cli(["agent", "stop"]);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/agent stopped \(pid \d+\)/);
    expect(existsSync(socket)).toBe(false);
    const after = await project.cli(["agent", "status"]);
    expect(after.code).toBe(3);
    expect(after.stdout).toContain("no agent is running");
  });

  it("refuses a second agent for the same vault", async () => {
    const project = await projectWithVault();
    await startAgentFor(project);

    const second = await project.cli(["agent", "start"], withPassword);

    expect(second.code).toBe(1);
    expect(second.stderr).toContain("[E_AGENT]");
  });

  it("fails with the vault's error for a wrong password and leaves no agent behind", async () => {
    const project = await projectWithVault();

    const start = await project.cli(["agent", "start"], {
      VAULT_MASTER_PASSWORD: "not-the-right-password-9",
    });

    expect(start.code).toBe(4);
    expect(start.stderr).toContain("[E_WRONG_PASSWORD]");
    expect(existsSync(join(project.home, "agent.sock"))).toBe(false);
  });

  it("starts again after an agent was killed with SIGKILL, replacing its stale socket", async () => {
    const project = await projectWithVault();
    await startAgentFor(project);
    const { pid } = (await statusOf(project)) as { pid?: number };
    if (pid === undefined) throw new Error("status gave no pid");

    process.kill(pid, "SIGKILL");
    // Bounded: an unreaped zombie still "exists", but its socket is already closed.
    for (let waited = 0; isAlive(pid) && waited < 3_000; waited += 20) await pause(20);

    expect(existsSync(join(project.home, "agent.sock"))).toBe(true);
    expect((await project.cli(["agent", "status"])).code).toBe(3);
    // A command meanwhile uses the vault itself.
    const local = await project.cli(["vault", "get", "api_key"], withPassword);
    expect(local.stdout).toBe("second-value\n");
    await startAgentFor(project);
    expect((await project.cli(["vault", "get", "api_key"])).stdout).toBe("second-value\n");
  });

  it("says so when asked to stop an agent that is not running", async () => {
    const project = await projectWithVault();

    const stop = await project.cli(["agent", "stop"]);

    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain("no agent is running");
  });
});

describe("vault commands through a running agent", () => {
  it("reads, lists and writes without VAULT_MASTER_PASSWORD in the CLI's environment", async () => {
    const project = await projectWithVault();
    await startAgentFor(project);

    const get = await project.cli(["vault", "get", "api_key"]);
    expect(get).toMatchObject({ code: 0, stdout: "second-value\n" });

    const set = await project.cli(["vault", "set", "bot/token"], {}, "via-agent");
    expect(set).toMatchObject({ code: 0, stdout: "stored bot/token (version 1)\n" });
    expect((await project.cli(["vault", "get", "bot/token"])).stdout).toBe("via-agent\n");
    const list = await project.cli(["--json", "vault", "list"]);
    expect(Object.keys(JSON.parse(list.stdout))).toEqual(["api_key", "bot/token"]);
    const history = await project.cli(["--json", "vault", "history", "api_key"]);
    expect(JSON.parse(history.stdout)).toHaveLength(2);

    // The agent's log shows the requests, and never a value.
    const log = readFileSync(join(project.home, "agent.log"), "utf8");
    expect(log).toContain('"route":"GET /v1/credentials/:name"');
    for (const secret of ["second-value", "via-agent", TEST_PASSWORD]) {
      expect(log).not.toContain(secret);
    }
  });

  it("opens the vault itself with --no-agent or VIGIL_NO_AGENT=1 (and then needs the password)", async () => {
    const project = await projectWithVault();
    await startAgentFor(project);

    const flag = await project.cli(["--no-agent", "vault", "get", "api_key"]);
    const env = await project.cli(["vault", "get", "api_key"], { VIGIL_NO_AGENT: "1" });
    const local = await project.cli(["--no-agent", "vault", "get", "api_key"], withPassword);

    expect(flag.code).toBe(4);
    expect(flag.stderr).toContain("[E_LOCKED]");
    expect(env.code).toBe(4);
    expect(local).toMatchObject({ code: 0, stdout: "second-value\n" });
  });

  it("asks for the master password again for rm and rollback", async () => {
    const project = await projectWithVault();
    await startAgentFor(project);

    const refused = await project.cli(["vault", "rollback", "api_key"]);
    expect(refused.code).toBe(4);
    expect((await project.cli(["vault", "get", "api_key"])).stdout).toBe("second-value\n");

    const rollback = await project.cli(["vault", "rollback", "api_key"], withPassword);
    expect(rollback).toMatchObject({ code: 0, stdout: "api_key is now version 3\n" });
    expect((await project.cli(["vault", "get", "api_key"])).stdout).toBe("first-value\n");

    const rm = await project.cli(["vault", "rm", "api_key"], withPassword);
    expect(rm).toMatchObject({ code: 0, stdout: "deleted api_key\n" });

    const log = readFileSync(join(project.home, "agent.log"), "utf8");
    expect(log).toMatch(
      /"route":"DELETE \/v1\/credentials\/:name","status":401,"code":"E_REAUTH_REQUIRED"/,
    );
    expect(log).toMatch(/"route":"DELETE \/v1\/credentials\/:name","status":200/);
  });
});

describe("session limits from the config file", () => {
  it("locks after the idle timeout; 'vigil agent unlock' unlocks it", async () => {
    const project = await projectWithVault({ idleTimeoutMinutes: 0.01 });
    await startAgentFor(project);

    await pause(900);
    expect(await statusOf(project)).toMatchObject({ locked: true, lockReason: "idle" });
    // A locked agent is not used: the CLI falls back to the vault and needs the password.
    const fallback = await project.cli(["vault", "get", "api_key"]);
    expect(fallback.code).toBe(4);
    expect(fallback.stderr).toContain("the agent is locked");

    const unlock = await project.cli(["agent", "unlock", "--password-stdin"], {}, TEST_PASSWORD);
    expect(unlock).toMatchObject({ code: 0, stdout: "agent unlocked\n" });
    // (Not a status check: the 0.6 s idle timeout may pass again before a new CLI answers.)
    const log = readFileSync(join(project.home, "agent.log"), "utf8");
    expect(log).toContain('"route":"POST /v1/session/unlock","status":200');
  });

  it("locks at the maximum session age", async () => {
    const project = await projectWithVault({ maxSessionHours: 0.0003 });
    await startAgentFor(project);

    // The max age (about 1.1 s) runs out while the idle timeout (30 min) is far away.
    await pause(1_300);

    expect(await statusOf(project)).toMatchObject({ locked: true, lockReason: "max-age" });
  });
});
