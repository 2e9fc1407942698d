import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliResult, runCli } from "../helpers/run-cli.js";
import { makeProject, TEST_PASSWORD } from "../helpers/temp-home.js";
import { flipByte } from "../helpers/vault-fixtures.js";

const env = { VAULT_MASTER_PASSWORD: TEST_PASSWORD };
const NEW_PASSWORD = "velvet-harbor-sixty-copper-tide";

/** A project folder with the fast KDF and an initialised vault; `vigil` runs inside it. */
async function initialised() {
  const project = makeProject();
  const vigil = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
    runCli(args, { cwd: project.dir, env: { ...env, ...options.env }, input: options.input ?? "" });
  const init = await vigil(["init"]);
  expect(init.stderr).toBe("");
  expect(init.code).toBe(0);
  return { ...project, vigil };
}

function oneLineError(result: CliResult, code: string): void {
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(new RegExp(`^vigil: .+ \\[${code}\\]\\n$`));
}

describe("vigil --help", () => {
  it.each([
    [["--help"]],
    [["vault", "--help"]],
    [["vault", "set", "--help"]],
    [["init", "--help"]],
  ])("prints usage for %j and exits 0", async (args) => {
    const result = await runCli(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: vigil/);
  });

  it("lists every vault subcommand", async () => {
    const result = await runCli(["vault", "--help"]);
    for (const command of ["set", "get", "list", "rm", "history", "rollback", "passwd"]) {
      expect(result.stdout).toContain(`  ${command}`);
    }
  });
});

describe("vigil vault, end to end", () => {
  it("sets from stdin, gets, lists, shows history, rolls back and removes", async () => {
    const { vigil, home } = await initialised();
    expect(statSync(join(home, "vault")).mode & 0o777).toBe(0o600);

    const set = await vigil(["vault", "set", "openai_api_key", "--tag", "llm", "--tag", "prod"], {
      input: "sk-first-value\n",
    });
    expect(set).toMatchObject({ code: 0, stdout: "stored openai_api_key (version 1)\n" });
    expect(set.stderr).toBe("");

    const get = await vigil(["vault", "get", "openai_api_key"]);
    expect(get).toMatchObject({ code: 0, stdout: "sk-first-value\n", stderr: "" });

    await vigil(["vault", "set", "openai_api_key", "--expires", "2099-01-31"], {
      input: "sk-second-value",
    });
    const list = await vigil(["vault", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+VERSION\s+UPDATED \(UTC\)\s+EXPIRES\s+STATE\s+TAGS\n/);
    expect(list.stdout).toMatch(/openai_api_key\s+2\s+\S+ \S+\s+2099-01-31\s+ok\s+llm,prod\n/);

    const json = JSON.parse((await vigil(["vault", "list", "--json"])).stdout);
    expect(json.openai_api_key).toMatchObject({
      currentVersion: 2,
      versions: 2,
      expires: "2099-01-31T00:00:00.000Z",
      expired: false,
      tags: ["llm", "prod"],
    });

    const history = await vigil(["vault", "history", "openai_api_key"]);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(
      /^VERSION\s+CREATED \(UTC\)\s+CURRENT\s+NOTE\n1\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n2\s+\S+ \S+\s+yes\n$/,
    );
    // --json after the subcommand, as the issue writes it.
    const historyJson = JSON.parse(
      (await vigil(["vault", "history", "openai_api_key", "--json"])).stdout,
    );
    expect(historyJson.map((entry: { version: number }) => entry.version)).toEqual([1, 2]);

    const rollback = await vigil(["vault", "rollback", "openai_api_key"]);
    expect(rollback).toMatchObject({ code: 0, stdout: "openai_api_key is now version 3\n" });
    expect(await vigil(["vault", "get", "openai_api_key"])).toMatchObject({
      code: 0,
      stdout: "sk-first-value\n",
      stderr: "",
    });

    const rollbackTo = await vigil(["vault", "rollback", "openai_api_key", "--to", "2"]);
    expect(rollbackTo.code).toBe(0);
    expect((await vigil(["vault", "get", "openai_api_key"])).stdout).toBe("sk-second-value\n");

    const rm = await vigil(["vault", "rm", "openai_api_key"]);
    expect(rm).toMatchObject({ code: 0, stdout: "deleted openai_api_key\n" });
    expect((await vigil(["vault", "get", "openai_api_key"])).code).toBe(3);
  });

  it("keeps a multi-line value exactly, dropping only one trailing newline", async () => {
    const { vigil } = await initialised();
    const set = await vigil(["vault", "set", "pem"], { input: "line one\nline two\n\n" });
    expect(set).toMatchObject({ code: 0, stderr: "" });
    const get = await vigil(["vault", "get", "pem"]);
    expect(get).toMatchObject({ code: 0, stdout: "line one\nline two\n\n", stderr: "" });
  });

  it("changes the master password with VIGIL_NEW_MASTER_PASSWORD", async () => {
    const { vigil } = await initialised();
    await vigil(["vault", "set", "k"], { input: "value-before-passwd" });

    const passwd = await vigil(["vault", "passwd"], {
      env: { VIGIL_NEW_MASTER_PASSWORD: NEW_PASSWORD },
    });
    expect(passwd).toMatchObject({ code: 0, stdout: "master password changed\n", stderr: "" });

    const old = await vigil(["vault", "get", "k"]);
    expect(old.code).toBe(4);
    oneLineError(old, "E_WRONG_PASSWORD");
    const fresh = await vigil(["vault", "get", "k"], {
      env: { VAULT_MASTER_PASSWORD: NEW_PASSWORD },
    });
    expect(fresh).toMatchObject({ code: 0, stdout: "value-before-passwd\n" });
  });

  it("refuses a weak new password in passwd with exit code 7 and keeps the old one", async () => {
    const { vigil } = await initialised();
    await vigil(["vault", "set", "k"], { input: "v" });
    const passwd = await vigil(["vault", "passwd"], {
      env: { VIGIL_NEW_MASTER_PASSWORD: "password1234" },
    });
    expect(passwd.code).toBe(7);
    expect((await vigil(["vault", "get", "k"])).stdout).toBe("v\n");
  });
});

describe("exit codes", () => {
  it.each([
    ["a missing argument", ["vault", "get"], 2],
    ["an unknown subcommand", ["vault", "frobnicate"], 2],
    ["an unknown option", ["vault", "list", "--frob"], 2],
    ["an invalid name", ["vault", "get", "bad name"], 2],
    ["a bad --to", ["vault", "rollback", "k", "--to", "two"], 2],
    ["a bad --expires", ["vault", "set", "k2", "--expires", "someday"], 2],
    ["an unknown credential", ["vault", "get", "missing"], 3],
    ["a version no longer kept", ["vault", "rollback", "k", "--to", "99"], 3],
  ])("%s exits %i", async (_, args, code) => {
    const { vigil } = await initialised();
    await vigil(["vault", "set", "k"], { input: "v" });
    const result = await vigil(args, { input: "v" });
    expect(result.code).toBe(code);
    expect(result.stdout).toBe("");
  });

  it("exits 3 when no vault exists yet, pointing at vigil init", async () => {
    const project = makeProject();
    const result = await runCli(["vault", "get", "k"], { cwd: project.dir, env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("vigil init");
  });

  it("exits 4 for a wrong password and for no password at all", async () => {
    const { vigil, dir } = await initialised();
    const wrong = await vigil(["vault", "list"], {
      env: { VAULT_MASTER_PASSWORD: "not-the-password-at-all" },
    });
    expect(wrong.code).toBe(4);
    oneLineError(wrong, "E_WRONG_PASSWORD");

    const none = await runCli(["vault", "list"], { cwd: dir });
    expect(none.code).toBe(4);
    oneLineError(none, "E_LOCKED");
  });

  it("exits 5 for a damaged vault and for a KDF downgrade", async () => {
    const { vigil, home } = await initialised();
    const path = join(home, "vault");
    const original = readFileSync(path);

    writeFileSync(path, flipByte(original, original.length - 40));
    const damaged = await vigil(["vault", "list"]);
    expect(damaged.code).toBe(5);
    oneLineError(damaged, "E_INTEGRITY");

    const downgraded = Buffer.from(original);
    downgraded.writeUInt32BE(8 * 1024, 12);
    const body = downgraded.subarray(0, downgraded.length - 32);
    const { createHash } = await import("node:crypto");
    createHash("sha256")
      .update(body)
      .digest()
      .copy(downgraded, downgraded.length - 32);
    writeFileSync(path, downgraded);
    const refused = await vigil(["vault", "list"]);
    expect(refused.code).toBe(5);
    oneLineError(refused, "E_KDF_DOWNGRADE");
  });

  it("exits 6 for a vault or data directory others can read, with the chmod fix", async () => {
    const { vigil, home } = await initialised();
    chmodSync(join(home, "vault"), 0o644);
    const file = await vigil(["vault", "list"]);
    expect(file.code).toBe(6);
    expect(file.stderr).toContain(`chmod 600 ${join(home, "vault")}`);

    chmodSync(join(home, "vault"), 0o600);
    chmodSync(home, 0o755);
    const dir = await vigil(["vault", "list"]);
    expect(dir.code).toBe(6);
    expect(dir.stderr).toContain(`chmod 700 ${home}`);
  });

  it.each([
    ["short", "Tr0ub4dor&3"],
    ["long but guessable", "passwordpassword"],
  ])("exits 7 for a %s password at init, and creates nothing", async (_, password) => {
    const project = makeProject();
    const result = await runCli(["init"], {
      cwd: project.dir,
      env: { VAULT_MASTER_PASSWORD: password },
    });
    expect(result.code).toBe(7);
    expect(result.stderr).toContain("--allow-weak-password");
    expect(result.stderr).not.toContain(password);
    expect(() => statSync(join(project.home, "vault"))).toThrow();
  });
});

describe("secrets stay out of outputs and files", () => {
  it("never shows the value anywhere but 'vault get' stdout and the encrypted vault", async () => {
    const secret = "sk-LEAKCHECK-7f3a9c2e5b1d4f60-UNIQUE";
    const { vigil, home, dir } = await initialised();
    const outputs: [string, CliResult][] = [];
    const run = async (args: string[], options: Parameters<typeof vigil>[1] = {}) => {
      const result = await vigil(args, options);
      outputs.push([args.join(" "), result]);
      return result;
    };

    await run(["vault", "set", "leak_test", "--tag", "t"], { input: secret });
    await run(["--json", "vault", "set", "leak_test"], { input: `${secret}-v2` });
    await run(["vault", "list"]);
    await run(["--json", "vault", "list"]);
    await run(["vault", "history", "leak_test"]);
    await run(["--json", "vault", "history", "leak_test"]);
    await run(["vault", "rollback", "leak_test"]);
    await run(["vault", "set", "bad name"], { input: secret });
    await run(["vault", "set", "leak_test", "--expires", "never"], { input: secret });
    await run(["vault", "get", "leak_test"], {
      env: { VAULT_MASTER_PASSWORD: "wrong-password-here" },
    });
    await run(["vault", "passwd"], { env: { VIGIL_NEW_MASTER_PASSWORD: NEW_PASSWORD } });
    const get = await run(["vault", "get", "leak_test"], {
      env: { VAULT_MASTER_PASSWORD: NEW_PASSWORD },
    });
    expect(get.stdout).toBe(`${secret}\n`);

    for (const [command, result] of outputs) {
      if (command !== "vault get leak_test") expect(result.stdout, command).not.toContain(secret);
      expect(result.stderr, command).not.toContain(secret);
      expect(result.stdout + result.stderr, command).not.toContain(TEST_PASSWORD);
      expect(result.stdout + result.stderr, command).not.toContain(NEW_PASSWORD);
    }

    const files = listFiles(dir);
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const bytes = readFileSync(file);
      const name = relative(dir, file);
      for (const needle of [secret, TEST_PASSWORD, NEW_PASSWORD]) {
        expect(bytes.includes(needle), `${name} holds a secret`).toBe(false);
        expect(bytes.includes(Buffer.from(needle, "utf16le")), `${name} (UTF-16)`).toBe(false);
        expect(bytes.includes(Buffer.from(needle).toString("base64")), `${name} (base64)`).toBe(
          false,
        );
      }
    }
    expect(files).toContain(join(home, "vault"));
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
