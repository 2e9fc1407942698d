import { EventEmitter } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { AuditSinkEvent } from "../../src/audit-sink.js";
import { isVigilError } from "../../src/errors.js";
import { CONCEALED } from "../../src/integrations/output-masker.js";
import { runChild, runWithCredentials } from "../../src/integrations/run-child.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { makeVault } from "../helpers/vault-fixtures.js";

const SECRET = "sk-live-7f3a9c2e5b8d1046";

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  return { stream, text: () => text };
}

/** Runs a Node script as the child. */
function node(script: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ["-e", script] };
}

async function vaultWith(values: Record<string, string>) {
  const vault = makeVault();
  for (const [name, value] of Object.entries(values)) await vault.setCredential(name, value);
  return vault;
}

describe("runWithCredentials", () => {
  it("injects resolved references and conceals them, whole or split across delayed writes", async () => {
    const vault = await vaultWith({ api_key: SECRET });
    const out = capture();
    const err = capture();
    const events: AuditSinkEvent[] = [];

    const report = await runWithCredentials({
      ...node(`
        const v = process.env.API_KEY;
        process.stdout.write("whole " + v + "\\n");
        process.stdout.write("split " + v.slice(0, 5));
        setTimeout(() => {
          process.stdout.write(v.slice(5, 12));
          setTimeout(() => { process.stdout.write(v.slice(12) + " done\\n");
            process.stderr.write("err " + v + "\\n"); }, 50);
        }, 50);
      `),
      variables: { API_KEY: "vigil://api_key", PLAIN: "visible" },
      reader: async () => vault,
      stdout: out.stream,
      stderr: err.stream,
      stdin: "ignore",
      audit: { record: (event) => void events.push(event) },
    });

    expect(report.exitCode).toBe(0);
    expect(out.text()).toBe(`whole ${CONCEALED}\nsplit ${CONCEALED} done\n`);
    expect(err.text()).toBe(`err ${CONCEALED}\n`);
    expect(report.injected).toEqual([{ variable: "API_KEY", credential: "api_key" }]);
    expect(events.map((e) => [e.eventType, e.details?.action])).toEqual([
      ["credential_access", "inject"],
      ["api_call", "run_start"],
      ["api_call", "run_end"],
    ]);
    expect(events[2]?.details?.exitCode).toBe(0);
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  it("also conceals the value's JSON-escaped and URL-encoded forms", async () => {
    const tricky = 'pa"ss word\\with/slash';
    const vault = await vaultWith({ tricky });
    const out = capture();
    await runWithCredentials({
      ...node(`
        const v = process.env.T;
        console.log(JSON.stringify({ password: v }));
        console.log("https://example.com/?key=" + encodeURIComponent(v));
      `),
      variables: { T: "vigil://tricky" },
      reader: async () => vault,
      stdout: out.stream,
      stdin: "ignore",
    });
    expect(out.text()).toBe(`{"password":"${CONCEALED}"}\nhttps://example.com/?key=${CONCEALED}\n`);
  });

  it("records a command that could not start", async () => {
    const events: AuditSinkEvent[] = [];
    let caught: unknown;
    try {
      await runWithCredentials({
        command: "vigil-no-such-command",
        variables: {},
        reader: async () => {
          throw new Error("unused");
        },
        stdin: "ignore",
        audit: { record: (event) => void events.push(event) },
      });
    } catch (error) {
      caught = error;
    }
    expect(isVigilError(caught, "E_CHILD_FAILED")).toBe(true);
    expect(events.map((e) => [e.eventType, e.details?.action])).toEqual([
      ["api_call", "run_start"],
      ["error", "run_end"],
    ]);
  });

  it("prints values as they are with masking off", async () => {
    const vault = await vaultWith({ api_key: SECRET });
    const out = capture();
    await runWithCredentials({
      ...node("console.log(process.env.API_KEY)"),
      variables: { API_KEY: "vigil://api_key" },
      reader: async () => vault,
      masking: false,
      stdout: out.stream,
      stdin: "ignore",
    });
    expect(out.text()).toBe(`${SECRET}\n`);
  });

  it("never starts the child when a reference is missing, naming variable and credential", async () => {
    const vault = await vaultWith({ api_key: SECRET });
    const marker = join(makeTempDir(), "started");
    let caught: unknown;
    try {
      await runWithCredentials({
        ...node(`require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`),
        variables: { API_KEY: "vigil://api_key", OTHER: "vigil://missing_one" },
        reader: async () => vault,
        stdin: "ignore",
      });
    } catch (error) {
      caught = error;
    }
    expect(isVigilError(caught, "E_NOT_FOUND")).toBe(true);
    expect((caught as Error).message).toContain("OTHER -> missing_one");
    expect(existsSync(marker)).toBe(false);
  });

  it("does not open the vault when no variable is a reference", async () => {
    const out = capture();
    const report = await runWithCredentials({
      ...node("console.log(process.env.PLAIN)"),
      variables: { PLAIN: "visible" },
      reader: async () => {
        throw new Error("the vault should not be opened");
      },
      stdout: out.stream,
      stdin: "ignore",
    });
    expect(report.exitCode).toBe(0);
    expect(out.text()).toBe("visible\n");
  });

  it("withholds the master password from the child", async () => {
    const out = capture();
    await runWithCredentials({
      ...node("console.log(String(process.env.VAULT_MASTER_PASSWORD))"),
      variables: {},
      baseEnv: { PATH: process.env.PATH ?? "", VAULT_MASTER_PASSWORD: "master-pass" },
      reader: async () => {
        throw new Error("unused");
      },
      stdout: out.stream,
      stdin: "ignore",
    });
    expect(out.text()).toBe("undefined\n");
  });

  it("warns about values too short to mask", async () => {
    const vault = await vaultWith({ pin: "123" });
    const warnings: string[] = [];
    const out = capture();
    await runWithCredentials({
      ...node("console.log(process.env.PIN)"),
      variables: { PIN: "vigil://pin" },
      reader: async () => vault,
      onWarning: (message) => warnings.push(message),
      stdout: out.stream,
      stdin: "ignore",
    });
    expect(warnings).toEqual([
      "not masking PIN: values shorter than 4 characters would hide ordinary output",
    ]);
    expect(out.text()).toBe("123\n");
  });
});

describe("runChild", () => {
  it.each([0, 1, 7, 255])("returns the child's exit code %i", async (code) => {
    const outcome = await runChild({ ...node(`process.exit(${code})`), env: {}, stdin: "ignore" });
    expect(outcome.exitCode).toBe(code);
  });

  it("returns 128 + the signal number when a signal ends the child", async () => {
    const outcome = await runChild({
      ...node('process.kill(process.pid, "SIGKILL")'),
      env: {},
      stdin: "ignore",
    });
    expect(outcome).toMatchObject({ exitCode: 137, signal: "SIGKILL" });
  });

  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)(
    "forwards %s to the child, which can exit on its own terms",
    async (signal) => {
      const signals = new EventEmitter();
      const marker = join(makeTempDir(), "got");
      const out = capture();
      out.stream.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("ready")) signals.emit(signal);
      });
      const outcome = await runChild({
        ...node(`
          process.on(${JSON.stringify(signal)}, () => {
            require("fs").writeFileSync(${JSON.stringify(marker)}, ${JSON.stringify(signal)});
            process.exit(42);
          });
          console.log("ready");
          setInterval(() => {}, 1000);
        `),
        env: {},
        stdin: "ignore",
        stdout: out.stream,
        signalSource: signals,
      });
      expect(outcome.exitCode).toBe(42);
      expect(readFileSync(marker, "utf8")).toBe(signal);
      expect(signals.listenerCount(signal)).toBe(0);
    },
  );

  it("reports 128 + 15 when a forwarded SIGTERM is not handled", async () => {
    const signals = new EventEmitter();
    const out = capture();
    out.stream.on("data", () => signals.emit("SIGTERM"));
    const outcome = await runChild({
      ...node('console.log("ready"); setInterval(() => {}, 1000);'),
      env: {},
      stdin: "ignore",
      stdout: out.stream,
      signalSource: signals,
    });
    expect(outcome).toMatchObject({ exitCode: 143, signal: "SIGTERM" });
  });

  it("reports a command that cannot start", async () => {
    let caught: unknown;
    try {
      await runChild({ command: "vigil-no-such-command", env: {}, stdin: "ignore" });
    } catch (error) {
      caught = error;
    }
    expect(isVigilError(caught, "E_CHILD_FAILED")).toBe(true);
  });
});
