import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_PATH, runCli } from "../helpers/run-cli.js";
import { makeProject, TEST_PASSWORD } from "../helpers/temp-home.js";
import { writeScript } from "../secrets/secrets-fixtures.js";

const ENV = { VAULT_MASTER_PASSWORD: TEST_PASSWORD };

async function project() {
  const made = makeProject();
  const vigil = (args: string[], input?: string) =>
    runCli(args, { cwd: made.dir, env: ENV, ...(input === undefined ? {} : { input }) });
  const init = await vigil(["init"]);
  expect(init.code).toBe(0);
  return { ...made, vigil };
}

function auditText(home: string): string {
  const dir = join(home, "audit");
  return readdirSync(dir)
    .filter((file) => file.endsWith(".jsonl"))
    .map((file) => readFileSync(join(dir, file), "utf8"))
    .join("\n");
}

describe("vigil secrets", () => {
  it("registers, rotates from stdin, reports and rolls back across separate processes", async () => {
    const { vigil, home } = await project();

    const register = await vigil(["secrets", "register", "test_secret", "--days", "30"]);
    expect(register.stdout).toContain("registered test_secret: every 30 days");
    const due = await vigil(["secrets", "due", "--json"]);
    expect(JSON.parse(due.stdout)).toMatchObject([{ name: "test_secret", reason: "no_value" }]);

    expect(
      (await vigil(["secrets", "rotate", "test_secret", "--stdin"], "first-value-111\n")).code,
    ).toBe(0);
    const second = await vigil(["secrets", "rotate", "test_secret", "--stdin"], "second-value-222");
    expect(second.stdout).toMatch(/rotated test_secret to version 2 \(fingerprint [0-9a-f]{32}\)/);

    const status = JSON.parse((await vigil(["secrets", "status", "test_secret", "--json"])).stdout);
    expect(status).toMatchObject({
      enabled: true,
      rotationDays: 30,
      rotationCount: 2,
      state: "ok",
    });

    const rollback = await vigil(["secrets", "rollback", "test_secret"]);
    expect(rollback.stdout).toContain("is now version 3 (the value of version 1)");
    expect((await vigil(["vault", "get", "test_secret"])).stdout).toBe("first-value-111\n");

    const history = JSON.parse(
      (await vigil(["secrets", "history", "test_secret", "--json"])).stdout,
    );
    expect(history.map((entry: { action: string }) => entry.action)).toEqual([
      "register",
      "rotate",
      "rotate",
      "rollback",
    ]);
    const table = await vigil(["secrets", "history", "test_secret"]);
    expect(table.stdout).toContain("FINGERPRINT");

    const audit = auditText(home);
    expect(audit).toContain("credential_rotate");
    for (const text of [audit, JSON.stringify(history), table.stdout]) {
      expect(text).not.toContain("first-value-111");
      expect(text).not.toContain("second-value-222");
    }
  });

  it("rotates with a command rotator and reports a failing one with exit 1", async () => {
    const { vigil, home } = await project();
    const good = writeScript("cat > /dev/null; echo from-command-333", "good.sh");
    const bad = writeScript("cat > /dev/null; echo leaked-444; exit 7", "bad.sh");

    await vigil([
      "secrets",
      "register",
      "api",
      "--days",
      "90",
      "--rotator",
      "command",
      "--command",
      good,
    ]);
    expect((await vigil(["secrets", "rotate", "api"])).code).toBe(0);
    expect((await vigil(["vault", "get", "api"])).stdout).toBe("from-command-333\n");

    await vigil(["secrets", "register", "api", "--days", "90", "--command", bad]);
    const failed = await vigil(["secrets", "rotate", "api"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/failed at the rotator step: .*exited 7.*\[E_ROTATION_FAILED\]/);
    expect((await vigil(["vault", "get", "api"])).stdout).toBe("from-command-333\n");

    const status = await vigil(["secrets", "status"]);
    expect(status.stdout).toMatch(/api .* rotator/);
    expect(auditText(home)).not.toMatch(/from-command-333|leaked-444/);
  });

  it.each([
    [["secrets", "rotate", "nobody"], 3, /not registered/],
    [["secrets", "register", "k", "--days", "0"], 2, /--days/],
    [["secrets", "register", "k", "--days", "5", "--auto"], 2, /without a rotator/],
    [["secrets", "register", "k", "--days", "5", "--length", "20"], 2, /--rotator generate/],
    [["secrets", "register", "k", "--days", "5", "--rotator", "command"], 2, /--command/],
    [["secrets", "rollback", "k", "--to", "x"], 2, /--to/],
  ])("%j exits %i", async (args, code, message) => {
    const { vigil } = await project();
    const result = await vigil(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it("rotates a due secret once when two watchers race in two processes", async () => {
    const { vigil, dir } = await project();
    const counter = join(dir, "rotations");
    const slow = writeScript(`cat > /dev/null; sleep 1; echo run >> "${counter}"; echo "value-$$"`);
    await vigil(["secrets", "register", "shared", "--days", "30", "--auto", "--command", slow]);

    const [a, b] = await Promise.all([
      vigil(["secrets", "watch", "--once"]),
      vigil(["secrets", "watch", "--once"]),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(readFileSync(counter, "utf8")).toBe("run\n");
    const lines = `${a.stdout}${b.stdout}`;
    expect(lines.match(/rotated shared/g)).toHaveLength(1);
    const status = JSON.parse((await vigil(["secrets", "status", "shared", "--json"])).stdout);
    expect(status.rotationCount).toBe(1);
  });

  it("watches until SIGTERM, one line per action", async () => {
    const { vigil, dir } = await project();
    for (const args of [
      ["secrets", "register", "hook", "--days", "7", "--auto", "--rotator", "generate"],
      ["secrets", "register", "manual_key", "--days", "30"],
    ]) {
      const registered = await vigil(args);
      expect(registered.code, registered.stderr).toBe(0);
    }

    const child = spawn(process.execPath, [CLI_PATH, "secrets", "watch", "--interval", "1"], {
      cwd: dir,
      env: { ...process.env, ...ENV, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const checked = new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
        if (stdout.includes("checked:")) resolve();
      });
    });
    await checked;
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    child.kill("SIGTERM");

    expect(await exited).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines, `${stdout}\n${stderr}`).toHaveLength(3);
    expect(lines[0]).toMatch(/rotated hook to version 1/);
    expect(lines[1]).toMatch(/attention manual_key: due \(no_value/);
    expect(lines[2]).toMatch(/checked: 2 due, 0 soon, 1 rotated, 0 failed/);
  });
});
