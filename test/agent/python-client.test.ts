import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { agentModules } from "../../src/agent/agent-modules.js";
import { type RunningAgent, startAgent } from "../../src/agent/agent-runtime.js";
import { TEST_PASSWORD } from "../helpers/temp-home.js";
import { agentConfig, makeVaultHome } from "./agent-fixtures.js";

const CLIENT = join(import.meta.dirname, "..", "..", "examples", "python-agent-client.py");
const running: RunningAgent[] = [];

afterEach(async () => {
  for (const agent of running.splice(0)) await agent.stop();
});

interface PythonResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs python3 asynchronously: the agent answers from this same event loop. */
function python(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<PythonResult> {
  return new Promise((resolve) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", ...options.env };
    const child = execFile("python3", args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(options.input ?? "");
  });
}

async function agentForPython() {
  const config = agentConfig();
  const home = await makeVaultHome(config);
  const agent = await startAgent({
    home,
    config,
    masterPassword: TEST_PASSWORD,
    modules: agentModules({ home, config }),
  });
  running.push(agent);
  const cli = (args: string[], options: Parameters<typeof python>[1] = {}) =>
    python([CLIENT, "--socket", agent.socketPath, ...args], options);
  return { agent, home, cli };
}

describe("examples/python-agent-client.py (standard library only)", () => {
  it("reads, lists, writes and checks credentials over the socket", async () => {
    const { cli } = await agentForPython();

    const get = await cli(["get", "api_key"]);
    const slash = await cli(["get", "github/token"]);
    const set = await cli(["set", "from_python"], { input: "py-value\n" });
    const back = await cli(["get", "from_python"]);
    const has = await cli(["has", "from_python"]);
    const list = await cli(["list"]);

    expect(get).toMatchObject({ code: 0, stdout: "second-value\n" });
    expect(slash.stdout).toBe("ghp_example\n");
    expect(set.code).toBe(0);
    expect(back.stdout).toBe("py-value\n");
    expect(JSON.parse(has.stdout)).toBe(true);
    expect(Object.keys(JSON.parse(list.stdout))).toEqual([
      "api_key",
      "from_python",
      "github/token",
    ]);
  });

  it("finds the socket through VIGIL_HOME", async () => {
    const { home } = await agentForPython();

    const health = await python([CLIENT, "health"], { env: { VIGIL_HOME: home } });

    expect(JSON.parse(health.stdout)).toMatchObject({ status: "ok", locked: false });
  });

  it("gets the agent's error codes: not found, and re-auth for delete", async () => {
    const { cli } = await agentForPython();

    const missing = await cli(["get", "nope"]);
    const refused = await cli(["delete", "api_key"], { env: { VAULT_MASTER_PASSWORD: "" } });
    const wrong = await cli(["delete", "api_key"], {
      env: { VAULT_MASTER_PASSWORD: "wrong-password-here-1" },
    });
    const deleted = await cli(["delete", "api_key"], {
      env: { VAULT_MASTER_PASSWORD: TEST_PASSWORD },
    });

    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toContain("E_NOT_FOUND");
    expect(refused.stderr).toContain("E_REAUTH_REQUIRED");
    expect(wrong.stderr).toContain("E_WRONG_PASSWORD");
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ name: "api_key", deleted: true });
  });

  it("records monitor and audit events and asks the pacing guard from a bot script", async () => {
    const { agent } = await agentForPython();
    const script = [
      "import importlib.util, json, sys",
      "spec = importlib.util.spec_from_file_location('client', sys.argv[1])",
      "client = importlib.util.module_from_spec(spec); spec.loader.exec_module(client)",
      "agent = client.VigilAgent(sys.argv[2])",
      "agent.record('application', company='Company0', jobTitle='Engineer')",
      "agent.record('api', api='openai', statusCode=200)",
      "agent.audit('api_call', 'bot applied')",
      "pace = agent.pace()",
      "try:",
      "    agent.record('teleport')",
      "except client.AgentError as error:",
      "    bad = error.code",
      "print(json.dumps({'allow': pace['allow'], 'bad': bad, 'health': agent.monitor_health()['status']}))",
    ].join("\n");

    const result = await python(["-c", script, CLIENT, agent.socketPath]);

    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toMatchObject({
      allow: expect.any(Boolean),
      bad: "E_INVALID_ARGUMENT",
      health: expect.any(String),
    });
  });

  it("reports a clear error when no agent listens", async () => {
    const home = await makeVaultHome();

    const result = await python([CLIENT, "--socket", join(home, "agent.sock"), "health"]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("E_AGENT");
  });
});
