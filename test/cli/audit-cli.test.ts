import { spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_PATH, runCli } from "../helpers/run-cli.js";
import { makeProject, TEST_PASSWORD } from "../helpers/temp-home.js";

function project() {
  const { dir, home, configPath } = makeProject();
  const run = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
    runCli(["--home", home, "--config", configPath, ...args], { cwd: dir, ...options });
  return { dir, home, run };
}

describe("vigil audit", () => {
  it("logs, queries as a table and as JSON, and rejects unknown types", async () => {
    const { run } = project();
    expect(
      (await run(["audit", "log", "--type", "login", "--user", "alice", "--message", "signed in"]))
        .code,
    ).toBe(0);
    expect(
      (
        await run([
          "audit",
          "log",
          "--type",
          "api_call",
          "--severity",
          "medium",
          "--user",
          "bob",
          "--message",
          "POST /v1",
          "--details",
          '{"status_code":500,"token":"t-123"}',
        ])
      ).code,
    ).toBe(0);

    const table = await run(["audit", "query"]);
    expect(table.stdout).toMatch(/TIME \(UTC\)\s+TYPE\s+SEVERITY\s+USER\s+DESCRIPTION/);
    expect(table.stdout).toMatch(/login\s+medium\s+alice\s+signed in/);
    expect(table.stdout).toContain("2 event(s)");

    const json = await run(["--json", "audit", "query", "--user", "bob"]);
    const events = JSON.parse(json.stdout);
    expect(events).toHaveLength(1);
    expect(events[0].details.token).toMatch(/^hmac-sha256:/);
    expect(json.stdout).not.toContain("t-123");

    const bad = await run(["audit", "log", "--type", "hacking", "--message", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown audit event type");
    expect((await run(["audit", "query", "--severity", "urgent"])).code).toBe(2);
  });

  it("verify exits 0 when intact and 5 naming file and line when a record was edited", async () => {
    const { run, home } = project();
    for (const user of ["a", "b", "c"])
      await run(["audit", "log", "--type", "logout", "--user", user, "--message", "bye"]);
    const intact = await run(["audit", "verify"]);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/^intact: 3 events/);

    const file = join(home, "audit", `${new Date().toISOString().slice(0, 10)}.jsonl`);
    writeFileSync(file, readFileSync(file, "utf8").replace('"username":"b"', '"username":"z"'));
    const broken = await run(["--json", "audit", "verify"]);
    expect(broken.code).toBe(5);
    const report = JSON.parse(broken.stdout);
    expect(report.firstBreak).toMatchObject({ kind: "modified", line: 3 });
    const text = await run(["audit", "verify"]);
    expect(text.stdout).toMatch(/BROKEN: \d{4}-\d{2}-\d{2}\.jsonl, line 3: modified/);
  });

  it("keys the trail with the vault when one exists and verifies MACs with it", async () => {
    const { run } = project();
    const env = { VAULT_MASTER_PASSWORD: TEST_PASSWORD };
    expect((await run(["init"], { env })).code).toBe(0);
    expect(
      (await run(["vault", "set", "openai_api_key"], { env, input: "sk-secret-value" })).code,
    ).toBe(0);
    await run(["audit", "log", "--type", "login", "--user", "alice", "--message", "in"], { env });
    const report = JSON.parse((await run(["--json", "audit", "verify"], { env })).stdout);
    expect(report).toMatchObject({ intact: true, keyChecked: true });
    const events = JSON.parse((await run(["--json", "audit", "query"], { env })).stdout);
    expect(events.map((event: { event_type: string }) => event.event_type)).toEqual(
      expect.arrayContaining(["credential_modify", "login"]),
    );
    expect(JSON.stringify(events)).not.toContain("sk-secret-value");
    const unkeyed = await run(["audit", "verify"]);
    expect(unkeyed.stderr).toMatch(/not checked/);
  });

  it("exports every format to a 0600 file", async () => {
    const { run, dir } = project();
    await run(["audit", "log", "--type", "error", "--message", "a|b=c"]);
    for (const format of ["json", "jsonl", "csv", "ecs", "cef"]) {
      const path = join(dir, `out.${format}`);
      const result = await run(["audit", "export", path, "--format", format]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("exported 1 events");
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(dir, "out.cef"), "utf8")).toContain("|a\\|b=c|8|");
    expect((await run(["audit", "export", join(dir, "x"), "--format", "xml"])).code).toBe(2);
  });

  it("hash reads the value from stdin, never from argv", async () => {
    const { run } = project();
    await run([
      "audit",
      "log",
      "--type",
      "login",
      "--message",
      "x",
      "--details",
      '{"password":"hunter2"}',
    ]);
    const hashed = await run(["audit", "hash"], { input: "hunter2" });
    expect(hashed.code).toBe(0);
    const fingerprint = hashed.stdout.trim();
    expect(fingerprint).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    const found = await run(["--json", "audit", "query", "--text", fingerprint]);
    expect(JSON.parse(found.stdout)).toHaveLength(1);
    const refused = await run(["audit", "hash", "hunter2"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).not.toContain("hunter2");
  });

  it("tail prints the newest events", async () => {
    const { run } = project();
    for (const user of ["a", "b", "c"])
      await run(["audit", "log", "--type", "logout", "--user", user, "--message", `bye ${user}`]);
    const tail = await run(["audit", "tail", "-n", "2"]);
    expect(tail.stdout.trim().split("\n")).toHaveLength(2);
    expect(tail.stdout).toMatch(/logout\s+b: bye b\n.*c: bye c/);
  });

  it("tail -f prints events written by another process as they arrive, until Ctrl-C", async () => {
    const { run, home, dir } = project();
    await run(["audit", "log", "--type", "logout", "--user", "first", "--message", "bye"]);
    const child = spawn(process.execPath, [CLI_PATH, "--home", home, "audit", "tail", "-f"], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", VIGIL_HOME: "", VAULT_MASTER_PASSWORD: "" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const waitFor = async (text: string) => {
      for (let i = 0; i < 200 && !output.includes(text); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(output).toContain(text);
    };
    await waitFor("first: bye");
    await run(["audit", "log", "--type", "login", "--user", "second", "--message", "hello"]);
    await waitFor("second: hello");
    const exited = new Promise((resolve) => child.on("close", resolve));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
