import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliResult, runCli } from "../helpers/run-cli.js";
import { makeProject, TEST_PASSWORD } from "../helpers/temp-home.js";

/** A value that cannot appear anywhere by chance. */
function canary(label: string): string {
  return `${label}-canary-${randomBytes(12).toString("hex")}`;
}

/** Every regular file below `dir`, skipping folders that vanish while we walk. */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesBelow(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

function filesContaining(paths: readonly string[], needle: string): string[] {
  const bytes = Buffer.from(needle, "utf8");
  return paths.filter((path) => {
    try {
      return statSync(path).size < 64 * 1024 * 1024 && readFileSync(path).includes(bytes);
    } catch {
      return false;
    }
  });
}

describe("secret values never leak", () => {
  it("stay out of every file but the vault, and out of every output but 'vault get'", async () => {
    const { dir, home, configPath } = makeProject();
    const env = { VAULT_MASTER_PASSWORD: TEST_PASSWORD };
    const base = ["--home", home, "--config", configPath];
    const secrets = {
      linkedin: canary("linkedin"),
      openai: canary("sk-openai"),
      imported: canary("gemini"),
      rotated: canary("rotated"),
      detail: canary("detail"),
      otp: "JBSWY3DPEHPK3PXP",
    };
    const outputs: { what: string; result: CliResult }[] = [];
    const cli = async (what: string, args: string[], input = "", extraEnv = {}) => {
      const result = await runCli([...base, ...args], {
        cwd: dir,
        env: { ...env, ...extraEnv },
        input,
      });
      outputs.push({ what, result });
      return result;
    };

    expect((await cli("init", ["init"])).code).toBe(0);
    expect((await cli("set", ["vault", "set", "linkedin_password"], secrets.linkedin)).code).toBe(
      0,
    );
    expect((await cli("set", ["vault", "set", "openai_api_key"], secrets.openai)).code).toBe(0);
    const got = await cli("get", ["vault", "get", "linkedin_password"]);
    expect(got.stdout).toBe(`${secrets.linkedin}\n`);
    await cli("list", ["vault", "list", "--json"]);
    await cli("history", ["vault", "history", "openai_api_key"]);

    mkdirSync(join(dir, "config"));
    const secretsPy = join(dir, "config", "secrets.py");
    writeFileSync(secretsPy, `llm_api_key = "${secrets.imported}"\n`);
    expect(
      (await cli("import", ["import", "--from", "secrets-py", secretsPy, "--delete-source"])).code,
    ).toBe(0);

    const printer = `process.stdout.write(process.env.KEY + "\\n"); console.error("k=" + process.env.KEY);`;
    writeFileSync(join(dir, "bot.env"), "KEY=vigil://openai_api_key\n");
    const ran = await cli("run", [
      "run",
      "--env-file",
      join(dir, "bot.env"),
      "--",
      process.execPath,
      "-e",
      printer,
    ]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("<concealed by vigil>");

    expect(
      (await cli("register", ["secrets", "register", "openai_api_key", "--days", "90"])).code,
    ).toBe(0);
    expect(
      (await cli("rotate", ["secrets", "rotate", "openai_api_key", "--stdin"], secrets.rotated))
        .code,
    ).toBe(0);
    await cli("secrets history", ["secrets", "history", "openai_api_key", "--json"]);
    await cli("secrets status", ["secrets", "status", "--json"]);

    await cli("otp add", ["otp", "add", "github_otp"], secrets.otp);
    await cli("audit log", [
      "audit",
      "log",
      "--type",
      "api_call",
      "--message",
      "called the API",
      "--details",
      JSON.stringify({ api_key: secrets.detail, password: secrets.linkedin }),
    ]);
    await cli("audit query", ["audit", "query", "--json"]);
    await cli("audit export", ["audit", "export", join(dir, "export.jsonl"), "--format", "jsonl"]);
    await cli("audit verify", ["audit", "verify"]);
    await cli("monitor", ["monitor", "record", "login", "me@example.com", "--ip", "127.0.0.1"]);
    await cli("monitor error", ["monitor", "record", "error", "auth", `token=${secrets.openai}`]);
    await cli("monitor health", ["monitor", "health", "--json"]);
    await cli("doctor", ["doctor", "--json"]);

    // Every step must have done its work, or the scan below proves little.
    const failed = outputs
      .filter(({ what }) => !["doctor", "monitor health"].includes(what))
      .filter(({ result }) => result.code !== 0)
      .map(({ what, result }) => `${what}: ${result.code} ${result.stderr}`);
    expect(failed).toEqual([]);

    const vaultFile = join(home, "vault");
    const everyFile = filesBelow(dir).filter((path) => path !== vaultFile);
    const tempFiles = filesBelow(tmpdir()).filter((path) => !path.startsWith(dir));
    for (const [label, secret] of Object.entries(secrets)) {
      if (label === "otp") continue;
      expect(filesContaining(everyFile, secret), `${label} on disk`).toEqual([]);
      expect(filesContaining(tempFiles, secret), `${label} in temp files`).toEqual([]);
      expect(readFileSync(vaultFile).includes(Buffer.from(secret)), `${label} in the vault`).toBe(
        false,
      );
      for (const { what, result } of outputs) {
        const stdout = what === "get" ? "" : result.stdout;
        expect(stdout + result.stderr, `${label} in the output of ${what}`).not.toContain(secret);
      }
    }
  }, 120_000);
});
