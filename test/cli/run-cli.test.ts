import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_PATH, runCli } from "../helpers/run-cli.js";
import { makeProject, TEST_PASSWORD } from "../helpers/temp-home.js";

const withPassword = { VAULT_MASTER_PASSWORD: TEST_PASSWORD };
const SECRET = "sk-live-4c1e8b7a2d9f3065";
const CONCEALED = "<concealed by vigil>";

/** A project whose vault holds api_key; `cli` runs vigil in it with the master password set. */
async function projectWithSecret(extra: Record<string, unknown> = {}) {
  const project = makeProject(extra);
  const base = ["--home", project.home, "--config", project.configPath];
  const cli = (args: string[], input?: string) =>
    runCli([...base, ...args], {
      env: { ...withPassword, VIGIL_NO_AGENT: "1" },
      cwd: project.dir,
      ...(input === undefined ? {} : { input }),
    });
  expect((await cli(["init"])).code).toBe(0);
  expect((await cli(["vault", "set", "api_key"], SECRET)).code).toBe(0);
  const envFile = join(project.dir, ".env.vigil");
  writeFileSync(envFile, "API_KEY=vigil://api_key\nPLAIN=visible\n");
  return { ...project, base, cli, envFile };
}

const nodeArgs = (script: string) => ["--", process.execPath, "-e", script];

describe("vigil run", () => {
  it("conceals a secret printed whole and split across delayed writes, on stdout and stderr", async () => {
    const project = await projectWithSecret();
    const script = `
      const v = process.env.API_KEY;
      console.log("whole", v, process.env.PLAIN);
      process.stdout.write("split " + v.slice(0, 6));
      setTimeout(() => {
        process.stdout.write(v.slice(6) + "\\n");
        process.stderr.write("err " + v.slice(0, 3));
        setTimeout(() => process.stderr.write(v.slice(3) + "\\n"), 80);
      }, 80);
    `;
    const result = await project.cli(["run", "--env-file", project.envFile, ...nodeArgs(script)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`whole ${CONCEALED} visible\nsplit ${CONCEALED}\n`);
    expect(result.stderr).toContain(`err ${CONCEALED}\n`);
    expect(result.stdout + result.stderr).not.toContain(SECRET.slice(0, 8));
  });

  it("prints the value with --no-masking", async () => {
    const project = await projectWithSecret();
    const result = await project.cli([
      "run",
      "--no-masking",
      "--env-file",
      project.envFile,
      ...nodeArgs("console.log(process.env.API_KEY)"),
    ]);
    expect(result.stdout).toBe(`${SECRET}\n`);
  });

  it("reads references from the config's integration.env too, and withholds the master password", async () => {
    const project = await projectWithSecret({
      integration: { env: { FROM_CONFIG: "vigil://api_key" } },
    });
    const script =
      "console.log(process.env.FROM_CONFIG === " +
      `${JSON.stringify(SECRET)}, String(process.env.VAULT_MASTER_PASSWORD))`;
    const result = await project.cli(["run", ...nodeArgs(script)]);
    expect(result.stdout).toBe("true undefined\n");
  });

  it.each([0, 3, 42])("exits with the child's exit code %i", async (code) => {
    const project = await projectWithSecret();
    const result = await project.cli(["run", ...nodeArgs(`process.exit(${code})`)]);
    expect(result.code).toBe(code);
  });

  it("exits with 128 + the signal number when a signal kills the child", async () => {
    const project = await projectWithSecret();
    const result = await project.cli(["run", ...nodeArgs('process.kill(process.pid, "SIGKILL")')]);
    expect(result.code).toBe(137);
  });

  it("stops before starting the child when a reference is missing", async () => {
    const project = await projectWithSecret();
    const marker = join(project.dir, "child-started");
    writeFileSync(project.envFile, "API_KEY=vigil://api_key\nDB_PASSWORD=vigil://db_password\n");
    const script = `require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`;
    const result = await project.cli(["run", "--env-file", project.envFile, ...nodeArgs(script)]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("DB_PASSWORD -> db_password");
    expect(result.stderr).toContain("E_NOT_FOUND");
    expect(existsSync(marker)).toBe(false);
  });

  it("names the env file's bad line", async () => {
    const project = await projectWithSecret();
    writeFileSync(project.envFile, "API_KEY=vigil://api_key\nnot a line\n");
    const result = await project.cli(["run", "--env-file", project.envFile, "--", "true"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${project.envFile}: line 2:`);
  });

  it("exits 127 when the command does not exist", async () => {
    const project = await projectWithSecret();
    const result = await project.cli(["run", "--", "vigil-no-such-command"]);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain("ENOENT");
  });

  it("forwards SIGTERM to the child and exits with the child's code", async () => {
    const project = await projectWithSecret();
    const marker = join(project.dir, "signal");
    const script = `
      process.on("SIGTERM", () => {
        require("fs").writeFileSync(${JSON.stringify(marker)}, "SIGTERM " + process.env.API_KEY.length);
        process.exit(42);
      });
      console.log("ready");
      setInterval(() => {}, 1000);
    `;
    const vigil = spawn(
      process.execPath,
      [CLI_PATH, ...project.base, "run", "--env-file", project.envFile, ...nodeArgs(script)],
      {
        cwd: project.dir,
        env: { ...process.env, ...withPassword, VIGIL_NO_AGENT: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    vigil.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) vigil.kill("SIGTERM");
    });
    const code = await new Promise<number | null>((resolve) => vigil.on("close", resolve));
    expect(code).toBe(42);
    expect(readFileSync(marker, "utf8")).toBe(`SIGTERM ${SECRET.length}`);
  });

  it("passes a closed reader on to the child, which ends, and the run's end is still audited", async () => {
    const project = await projectWithSecret();
    const script = `setInterval(() => process.stdout.write(process.env.API_KEY + " line\\n"), 5)`;
    const vigil = spawn(
      process.execPath,
      [CLI_PATH, ...project.base, "run", "--env-file", project.envFile, ...nodeArgs(script)],
      {
        cwd: project.dir,
        env: { ...process.env, ...withPassword, VIGIL_NO_AGENT: "1" },
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    vigil.stdout.once("data", () => vigil.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => vigil.on("close", resolve));
    expect(code).not.toBe(0);
    const audit = readdirSync(join(project.home, "audit"))
      .filter((file) => file.endsWith(".jsonl"))
      .map((file) => readFileSync(join(project.home, "audit", file), "utf8"))
      .join("");
    expect(audit).toContain("run_end");
  });

  it("records credential access, start and end in the audit trail, without values", async () => {
    const project = await projectWithSecret();
    await project.cli(["run", "--env-file", project.envFile, ...nodeArgs("process.exit(5)")]);
    const auditDir = join(project.home, "audit");
    const lines = readdirSync(auditDir)
      .filter((file) => file.endsWith(".jsonl"))
      .flatMap((file) => readFileSync(join(auditDir, file), "utf8").split("\n"))
      .filter((line) => line.trim() !== "");
    const text = lines.join("\n");
    expect(text).not.toContain(SECRET);
    expect(text).toContain("run_start");
    expect(text).toContain("run_end");
    expect(text).toMatch(/injected as API_KEY/);
  });
});
