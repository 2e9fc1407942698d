import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { makeProject, TEST_PASSWORD } from "../helpers/temp-home.js";

const VALUES = {
  username: "bot@example.com",
  password: "hunter2-but-longer",
  llm_api_key: "sk-proj-9d8c7b6a5f4e3d2c",
};

const SECRETS_PY = `###### LINKEDIN CREDENTIALS
# Login credentials
username = "${VALUES.username}"       # Enter your username in the quotes
password = '${VALUES.password}'       # Enter your password in the quotes

## Artificial Intelligence (Beta)
use_AI = False
llm_api_key = """${VALUES.llm_api_key}"""
`;

async function project() {
  const made = makeProject();
  const cli = (args: string[], input?: string) =>
    runCli(["--home", made.home, "--config", made.configPath, ...args], {
      env: { VAULT_MASTER_PASSWORD: TEST_PASSWORD, VIGIL_NO_AGENT: "1" },
      cwd: made.dir,
      ...(input === undefined ? {} : { input }),
    });
  expect((await cli(["init"])).code).toBe(0);
  return { ...made, cli };
}

function expectNoValues(text: string) {
  for (const value of Object.values(VALUES)) expect(text).not.toContain(value);
}

describe("vigil import", () => {
  it("imports the bot's secrets.py, reports names only, and the values read back", async () => {
    const { dir, cli } = await project();
    const path = join(dir, "secrets.py");
    writeFileSync(path, SECRETS_PY);

    const result = await cli(["import", "--from", "secrets-py", path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("imported username (line 3)");
    expect(result.stdout).toContain("imported llm_api_key (line 8)");
    expect(result.stdout).toContain("skipped use_AI (line 7): not a string literal");
    expect(result.stdout).toContain("3 credential(s) imported");
    expectNoValues(result.stdout + result.stderr);

    for (const [name, value] of Object.entries(VALUES)) {
      expect((await cli(["vault", "get", name])).stdout).toBe(`${value}\n`);
    }
  });

  it("gives a JSON report without values", async () => {
    const { dir, cli } = await project();
    const path = join(dir, ".env");
    writeFileSync(path, `export LLM_API_KEY="${VALUES.llm_api_key}"\nUSER=${VALUES.username}\n`);
    const result = await cli(["--json", "import", "--from", "dotenv", "--prefix", "bot/", path]);
    const report = JSON.parse(result.stdout) as { imported: { name: string }[] };
    expect(report.imported.map((c) => c.name)).toEqual(["bot/LLM_API_KEY", "bot/USER"]);
    expectNoValues(result.stdout);
  });

  it("refuses to overwrite without --overwrite, then replaces with it and deletes the source", async () => {
    const { dir, cli } = await project();
    const path = join(dir, "secrets.py");
    writeFileSync(path, SECRETS_PY);
    await cli(["vault", "set", "password"], "older-password");

    const refused = await cli(["import", "--from", "secrets-py", "--delete-source", path]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("E_EXISTS");
    expect(existsSync(path)).toBe(true);
    expect((await cli(["vault", "get", "username"])).code).toBe(3);

    const replaced = await cli([
      "import",
      "--from",
      "secrets-py",
      "--overwrite",
      "--delete-source",
      path,
    ]);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain("imported password (line 4, replaces the existing value)");
    expect(replaced.stdout).toContain(`deleted ${path}`);
    expect(existsSync(path)).toBe(false);
    expect((await cli(["vault", "get", "password"])).stdout).toBe(`${VALUES.password}\n`);
  });

  it("writes nothing on --dry-run", async () => {
    const { dir, cli } = await project();
    const path = join(dir, "secrets.py");
    writeFileSync(path, SECRETS_PY);
    const result = await cli(["import", "--from", "secrets-py", "--dry-run", path]);
    expect(result.stdout).toContain("would import username");
    expect((await cli(["vault", "get", "username"])).code).toBe(3);
  });

  it("warns when git tracks the source", async () => {
    const { dir, cli } = await project();
    mkdirSync(join(dir, "config"));
    const path = join(dir, "config", "secrets.py");
    writeFileSync(path, SECRETS_PY);
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
        cwd: dir,
        stdio: "ignore",
      });
    git("init", "-q");
    git("add", "config/secrets.py");
    git("commit", "-q", "-m", "add secrets");

    const result = await cli(["import", "--from", "secrets-py", path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: .*secrets\.py is tracked by git/);
  });

  it("names the bad line and writes nothing", async () => {
    const { dir, cli } = await project();
    const path = join(dir, "secrets.py");
    writeFileSync(path, `username = "${VALUES.username}"\npassword = "${VALUES.password}\n`);
    const result = await cli(["import", "--from", "secrets-py", path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("line 2: a string is never closed");
    expectNoValues(result.stderr);
    expect((await cli(["vault", "get", "username"])).code).toBe(3);
  });

  it("imports a Python vault written by cryptography's Fernet, with the default key file", async () => {
    const { dir, cli } = await project();
    const store = join(dir, ".vault");
    const script = `
import json, sys
from cryptography.fernet import Fernet
key = Fernet.generate_key()
f = Fernet(key)
values = json.load(sys.stdin)
store = {n: {"value": f.encrypt(v.encode()).decode(), "metadata": {}, "created": "2025-01-01T00:00:00", "encrypted": True} for n, v in values.items()}
json.dump(store, open(sys.argv[1], "w"))
open(sys.argv[1] + ".key", "wb").write(key)
`;
    const made = spawnSync("python3", ["-c", script, store], { input: JSON.stringify(VALUES) });
    expect(made.status).toBe(0);

    const result = await cli(["import", "--from", "python-vault", store]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("3 credential(s) imported");
    expect((await cli(["vault", "get", "llm_api_key"])).stdout).toBe(`${VALUES.llm_api_key}\n`);

    const wrongKey = join(dir, "wrong.key");
    writeFileSync(wrongKey, Buffer.alloc(32, 1).toString("base64url"));
    const refused = await cli([
      "import",
      "--from",
      "python-vault",
      "--key",
      wrongKey,
      "--overwrite",
      store,
    ]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("wrong key file");
    expect(readFileSync(store, "utf8")).toContain("gAAAAA");
  });

  it("rejects --key for other formats and unknown formats", async () => {
    const { dir, cli } = await project();
    const path = join(dir, ".env");
    writeFileSync(path, "A=b-value\n");
    expect((await cli(["import", "--from", "dotenv", "--key", "k", path])).code).toBe(2);
    expect((await cli(["import", "--from", "yaml", path])).code).toBe(2);
    expect((await cli(["import", path])).code).toBe(2);
  });
});
