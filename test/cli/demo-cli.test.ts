import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-home.js";

describe("vigil demo", () => {
  it("runs end to end without any vigil variable set and removes its data directory", async () => {
    const cwd = makeTempDir();
    const result = await runCli(["demo"], { cwd, timeoutMs: 120_000 });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("demo finished");
    expect(result.stdout).not.toContain("UNEXPECTED");
    const home = /throwaway data directory (\S+)\)/.exec(result.stdout)?.[1];
    expect(home).toBeDefined();
    expect(existsSync(home as string)).toBe(false);
    expect(existsSync(`${cwd}/.vigil`)).toBe(false);
  });
});
