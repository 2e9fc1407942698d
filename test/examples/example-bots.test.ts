import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { makeProject, TEST_PASSWORD } from "../helpers/temp-home.js";

const repo = join(import.meta.dirname, "..", "..");
const env = { VAULT_MASTER_PASSWORD: TEST_PASSWORD };
const username = "jobseeker@example.com";
const password = "linkedin-example-pass-7781";

async function projectWithCredentials() {
  const project = makeProject();
  const base = ["--home", project.home, "--config", project.configPath];
  expect((await runCli([...base, "init", "--no-starter-config"], { env })).code).toBe(0);
  for (const [name, value] of [
    ["linkedin_username", username],
    ["linkedin_password", password],
  ] as const) {
    expect((await runCli([...base, "vault", "set", name], { env, input: value })).code).toBe(0);
  }
  return { ...project, base };
}

const agents: string[][] = [];
afterEach(async () => {
  for (const base of agents.splice(0)) await runCli([...base, "agent", "stop"]);
});

describe("the example bots", () => {
  it("the TypeScript bot reads its credentials, paces itself and records what it did", async () => {
    const { home, base, configPath, dir } = await projectWithCredentials();
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn(
          process.execPath,
          [
            "--import",
            "tsx",
            join(repo, "examples/typescript-bot/bot.ts"),
            "--home",
            home,
            "--no-wait",
          ],
          {
            cwd: repo,
            env: { ...process.env, ...env, VIGIL_CONFIG: configPath },
          },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk;
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk;
        });
        child.stdin.end();
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      },
    );
    // It sends the first application at once; the pace guard then asks for a gap, and
    // --no-wait makes the bot stop there instead of sleeping.
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/waiting \d+ s: minimum gap/);
    expect(result.stdout).toContain("applied to Example Corp 1");
    expect(result.stdout).not.toContain(password);

    const summary = await runCli([...base, "--json", "monitor", "summary", "--hours", "1"], {
      cwd: dir,
    });
    expect(JSON.parse(summary.stdout).applications.count).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it("the Python bot gets its credentials from 'vigil run' and is paced by the agent", async () => {
    const { base, dir } = await projectWithCredentials();
    expect((await runCli([...base, "agent", "start"], { env })).code).toBe(0);
    agents.push(base);

    const envFile = join(dir, "bot.env");
    writeFileSync(
      envFile,
      "LINKEDIN_USERNAME=vigil://linkedin_username\nLINKEDIN_PASSWORD=vigil://linkedin_password\n",
    );
    const bot = join(repo, "examples/python-bot/bot.py");
    // No master password here: the credentials come from the running agent.
    const result = await runCli(
      [
        ...base,
        "run",
        "--env-file",
        envFile,
        "--",
        "python3",
        bot,
        "--applications",
        "3",
        "--no-wait",
      ],
      { cwd: dir, env: { VIGIL_HOME: join(dir, ".vigil") } },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("logging in as <concealed by vigil>");
    expect(result.stdout).not.toContain(password);
    expect(result.stdout).toContain("applied to Example Corp 1: sent");
    expect(result.stdout).toMatch(/waiting \d+ s: minimum gap/);
    expect(result.stdout).toContain("account health 100/100 (healthy)");

    const summary = await runCli([...base, "--json", "monitor", "summary", "--hours", "1"]);
    const counts = JSON.parse(summary.stdout);
    expect(counts.applications.count).toBe(1);
    expect(counts.logins.successful).toBe(1);
  }, 120_000);
});
