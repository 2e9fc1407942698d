import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-home.js";

describe("vigil demo", () => {
  it("runs a whole bot day without any vigil variable set and removes its folder", async () => {
    const cwd = makeTempDir();
    const result = await runCli(["demo"], { cwd, timeoutMs: 120_000 });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    for (const step of [
      "refused a wrong master password: E_WRONG_PASSWORD",
      "refused a vault with one flipped bit: E_INTEGRITY",
      "imported username, llm_api_key",
      "OPENAI_API_KEY=<concealed by vigil>",
      "alert burst_activity",
      "health 100 (healthy); paced applications resume",
      "stops for the day",
      "intact",
      "verify says modified",
      "demo finished",
    ]) {
      expect(result.stdout).toContain(step);
    }
    const home = /throwaway data directory (\S+)/.exec(result.stdout)?.[1];
    expect(home).toBeDefined();
    expect(existsSync(dirname(home as string))).toBe(false);
    expect(existsSync(`${cwd}/.vigil`)).toBe(false);
  });
});
