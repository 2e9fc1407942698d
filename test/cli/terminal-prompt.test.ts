import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_PATH } from "../helpers/run-cli.js";
import { makeProject, TEST_PASSWORD } from "../helpers/temp-home.js";

const driver = join(import.meta.dirname, "..", "fixtures", "tty", "drive-prompts.py");

/** Runs the CLI on a real pseudo-terminal, answering prompts in order; returns the screen. */
function onTerminal(answers: [string, string][], args: string[]): { screen: string; code: number } {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("VIGIL_") && !key.startsWith("VAULT_")) {
      env[key] = value;
    }
  }
  const result = spawnSync(
    "python3",
    [driver, JSON.stringify(answers), "--", process.execPath, CLI_PATH, ...args],
    { encoding: "utf8", env, timeout: 90_000 },
  );
  const [screen64 = "", code = "-1"] = result.stdout.trim().split("\n");
  return { screen: Buffer.from(screen64, "base64").toString("utf8"), code: Number(code) };
}

describe("prompts on a terminal", () => {
  it("asks for a new master password twice without echoing it, then for a value the same way", async () => {
    const { home, configPath } = makeProject();
    const base = ["--home", home, "--config", configPath];

    const init = onTerminal(
      [
        ["New master password", TEST_PASSWORD],
        ["Repeat", TEST_PASSWORD],
      ],
      [...base, "init", "--no-starter-config"],
    );
    expect(init.code).toBe(0);
    expect(init.screen).toContain("vault ready");
    expect(init.screen).not.toContain(TEST_PASSWORD);

    const secret = "typed-at-the-prompt-4411";
    const set = onTerminal(
      [
        ["Value for linkedin_password", secret],
        ["Repeat", secret],
        ["Master password", TEST_PASSWORD],
      ],
      [...base, "vault", "set", "linkedin_password"],
    );
    expect(set.screen).not.toContain(secret);
    expect(set.screen).not.toContain(TEST_PASSWORD);
    expect(set.code).toBe(0);

    const get = onTerminal(
      [["Master password", TEST_PASSWORD]],
      [...base, "vault", "get", "linkedin_password"],
    );
    expect(get.code).toBe(0);
    expect(get.screen).toContain(secret);
    expect(get.screen).not.toContain(TEST_PASSWORD);
  }, 120_000);

  it("refuses two different new passwords without creating a vault", () => {
    const { home, configPath } = makeProject();
    const result = onTerminal(
      [
        ["New master password", TEST_PASSWORD],
        ["Repeat", `${TEST_PASSWORD}-typo`],
      ],
      ["--home", home, "--config", configPath, "init", "--no-starter-config"],
    );
    expect(result.code).toBe(2);
    expect(result.screen).toContain("did not match");
  }, 60_000);
});
