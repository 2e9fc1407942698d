import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  GENERATE_ALPHABETS,
  generateSecretValue,
  joinCommandLine,
  runSecretCommand,
  splitCommandLine,
} from "../../src/secrets/index.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { setup, writeScript } from "./secrets-fixtures.js";

describe("generate rotator", () => {
  it.each([
    ["alphanumeric", 32],
    ["password", 64],
    ["hex", 40],
  ] as const)("draws %s values of the asked length", (alphabet, length) => {
    const values = Array.from({ length: 50 }, () => generateSecretValue({ length, alphabet }));
    const allowed = new Set(GENERATE_ALPHABETS[alphabet]);
    for (const value of values) {
      expect(value).toHaveLength(length);
      expect([...value].every((char) => allowed.has(char))).toBe(true);
    }
    expect(new Set(values).size).toBe(values.length);
  });

  it("rotates a registered secret to a fresh generated value each time", async () => {
    const { manager, vault } = setup();
    await manager.registerSecret("hook", { rotationDays: 7, rotator: "generate" });
    await manager.rotateSecret("hook");
    const first = await vault.getCredential("hook");
    await manager.rotateSecret("hook");
    const second = await vault.getCredential("hook");

    expect(first).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(second).not.toBe(first);
  });
});

describe("command rotator", () => {
  it("gives the old value on stdin and stores what the command prints", async () => {
    const seen = join(makeTempDir(), "seen");
    const script = writeScript(
      `cat > "${seen}.stdin"; printf '%s\\n' "$@" > "${seen}.args"; env > "${seen}.env"; echo "next-\${VIGIL_SECRET_NAME}-value"`,
    );
    const { manager, vault } = setup();
    await vault.setCredential("api", "old-secret-123");
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: { kind: "command", command: script, args: ["--account", "bot"] },
    });

    await manager.rotateSecret("api");
    expect(await vault.getCredential("api")).toBe("next-api-value");
    expect(readFileSync(`${seen}.stdin`, "utf8")).toBe("old-secret-123");
    expect(readFileSync(`${seen}.args`, "utf8")).toBe("--account\nbot\n");
    const env = readFileSync(`${seen}.env`, "utf8");
    expect(env).not.toContain("old-secret-123");
    expect(env).toContain("VIGIL_ROTATION_STEP=rotate");
  });

  it("keeps no master password in the command's environment", async () => {
    const out = join(makeTempDir(), "env");
    const script = writeScript(`env > "${out}"; echo fresh-value`);
    process.env.VAULT_MASTER_PASSWORD = "should-not-pass";
    try {
      const { manager } = setup();
      await manager.registerSecret("api", {
        rotationDays: 30,
        rotator: { kind: "command", command: script },
      });
      await manager.rotateSecret("api");
    } finally {
      delete process.env.VAULT_MASTER_PASSWORD;
    }
    expect(readFileSync(out, "utf8")).not.toContain("should-not-pass");
  });

  it.each([
    ["exits non-zero", "echo half-made-value; exit 3", /exited 3/],
    ["prints nothing", "cat > /dev/null", /printed nothing/],
    ["prints only a newline", "echo", /printed nothing/],
    ["does not exist", undefined, /could not start/],
  ])("fails when the command %s, and the old value still works", async (_, body, message) => {
    const command = body === undefined ? "/nonexistent/rotator" : writeScript(body);
    const { manager, vault, sink } = setup();
    await vault.setCredential("api", "still-good");
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: { kind: "command", command },
    });

    const error = await manager.rotateSecret("api").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_ROTATION_FAILED" });
    expect((error as Error).message).toMatch(message);
    expect(await vault.getCredential("api")).toBe("still-good");

    const status = await manager.getRotationStatus("api");
    expect(status.lastFailure).toMatchObject({ step: "rotator" });
    expect(status.rotationCount).toBe(0);
    expect(status.rotating).toBe(false);
    const failure = sink.ofType("credential_rotate").at(-1);
    expect(failure).toMatchObject({ severity: "high", details: { outcome: "failure" } });
  });

  it("kills a command that hangs past its timeout, with its whole process group", async () => {
    const pidFile = join(makeTempDir(), "child.pid");
    // The background sleep keeps stdout open: only killing the group ends the wait.
    const script = writeScript(`sleep 30 & echo $! > "${pidFile}"; wait`);
    const { manager, vault } = setup();
    await vault.setCredential("api", "still-good");
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: { kind: "command", command: script, timeoutMs: 300 },
    });

    const started = Date.now();
    const error = await manager.rotateSecret("api").catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((error as Error).message).toMatch(/did not finish within 300 ms/);
    expect(await vault.getCredential("api")).toBe("still-good");

    const childPid = Number(readFileSync(pidFile, "utf8"));
    expect(processIsGone(childPid)).toBe(true);
  });

  it("caps the output it reads", async () => {
    const outcome = await runSecretCommand(
      { command: "/bin/sh", args: ["-c", "head -c 3000000 /dev/zero"] },
      { input: "", timeoutMs: 10_000, name: "x", step: "rotate" },
    );
    expect(outcome.outputTooLarge).toBe(true);
  });
});

describe("function rotator", () => {
  it("calls the function with the old value and stores its result", async () => {
    const { manager, vault } = setup();
    await vault.setCredential("api", "v1");
    const calls: (string | undefined)[] = [];
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: ({ oldValue }) => {
        calls.push(oldValue);
        return `${oldValue}-next`;
      },
    });
    await manager.rotateSecret("api");
    expect(calls).toEqual(["v1"]);
    expect(await vault.getCredential("api")).toBe("v1-next");
  });

  it("reports a throwing function by class name only", async () => {
    const { manager, vault } = setup();
    await vault.setCredential("api", "v1");
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: () => {
        throw new TypeError("provider said: bad key v1");
      },
    });
    const error = (await manager.rotateSecret("api").catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("threw TypeError");
    expect(error.message).not.toContain("bad key");
    const status = await manager.getRotationStatus("api");
    expect(status.lastFailure?.reason).not.toContain("v1");
  });

  it("cannot be used by a process that did not register the function", async () => {
    const { manager, second } = setup();
    await manager.registerSecret("api", { rotationDays: 30, rotator: () => "from-code" });
    const other = second().manager;
    await expect(other.rotateSecret("api")).rejects.toMatchObject({ code: "E_ROTATION_FAILED" });
    await expect(other.rotateSecret("api", "typed-by-hand")).resolves.toMatchObject({ version: 1 });
  });
});

describe("verify step", () => {
  it("keeps the old value when a verify command rejects the new one", async () => {
    const checked = join(makeTempDir(), "checked");
    const verifier = writeScript(`cat > "${checked}"; exit 1`, "verify.sh");
    const { manager, vault } = setup();
    await vault.setCredential("api", "old");
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: "generate",
      verify: { kind: "command", command: verifier },
    });

    const error = await manager.rotateSecret("api").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_ROTATION_FAILED" });
    expect(await vault.getCredential("api")).toBe("old");
    expect(readFileSync(checked, "utf8")).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((await manager.getRotationStatus("api")).lastFailure?.step).toBe("verify");
  });

  it("promotes when a verify function accepts, and refuses when it returns false", async () => {
    const { manager, vault } = setup();
    let accept = false;
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: "generate",
      verify: ({ newValue }) => accept && newValue.length === 32,
    });
    await expect(manager.rotateSecret("api")).rejects.toMatchObject({ code: "E_ROTATION_FAILED" });
    expect(await vault.hasCredential("api")).toBe(false);
    accept = true;
    await manager.rotateSecret("api");
    expect(await vault.hasCredential("api")).toBe(true);
    expect((await manager.getRotationStatus("api")).lastFailure).toBeNull();
  });
});

describe("compare-and-set", () => {
  it("does not overwrite a value that changed while the new one was staged", async () => {
    const { manager, vault, second } = setup();
    const other = second();
    await vault.setCredential("api", "v1");
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: async () => {
        await other.vault.setCredential("api", "set-by-someone-else");
        return "from-rotator";
      },
    });

    const error = await manager.rotateSecret("api").catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/changed by someone else/);
    expect(await vault.getCredential("api")).toBe("set-by-someone-else");
    expect((await manager.getRotationStatus("api")).lastFailure?.step).toBe("promote");
  });

  it("lets only one of two managers rotate a secret at a time", async () => {
    const { manager, vault, second } = setup();
    const other = second();
    await vault.setCredential("api", "v1");
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await manager.registerSecret("api", {
      rotationDays: 30,
      rotator: async () => {
        await gate;
        return "v2";
      },
    });

    const slow = manager.rotateSecret("api");
    await waitFor(async () => (await other.manager.getRotationStatus("api")).rotating);
    await expect(other.manager.rotateSecret("api", "v-other")).rejects.toMatchObject({
      code: "E_ROTATION_IN_PROGRESS",
    });
    await expect(other.manager.rotateIfDue("api")).resolves.toMatchObject({
      status: "skipped",
    });
    release();
    await slow;
    expect(await vault.getCredential("api")).toBe("v2");
  });
});

describe("command lines", () => {
  it.each([
    ["./rotate.sh", ["./rotate.sh"]],
    [`a  "b c"  'd "e"'`, ["a", "b c", 'd "e"']],
    [String.raw`x a\ b ""`, ["x", "a b", ""]],
  ])("splits %s", (line, words) => {
    expect(splitCommandLine(line)).toEqual(words);
    expect(splitCommandLine(joinCommandLine(words))).toEqual(words);
  });

  it.each([[""], ["   "], [`a "b`]])("refuses %j", (line) => {
    expect(() => splitCommandLine(line)).toThrow(/empty|unclosed/);
  });
});

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // A killed child whose parent died may linger as a zombie until init reaps it.
  const statPath = `/proc/${pid}/stat`;
  return existsSync(statPath) && readFileSync(statPath, "utf8").split(" ")[2] === "Z";
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("condition not met");
}
