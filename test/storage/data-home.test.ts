import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { assertPrivate, ensurePrivateDirectory, resolveHome } from "../../src/storage/index.js";
import { makeTempDir } from "../helpers/temp-home.js";

describe("resolveHome", () => {
  it.each([
    ["an explicit folder wins", "/x/explicit", { VIGIL_HOME: "/x/env" }, "/x/explicit"],
    ["then VIGIL_HOME", undefined, { VIGIL_HOME: "/x/env" }, "/x/env"],
    ["an empty VIGIL_HOME is ignored", undefined, { VIGIL_HOME: "" }, "/work/.vigil"],
    ["else ./.vigil", undefined, {}, "/work/.vigil"],
    ["a relative folder is made absolute", "rel", {}, "/work/rel"],
  ])("%s", (_, explicit, env, expected) => {
    expect(resolveHome(explicit, env, "/work")).toBe(resolve(expected));
  });
});

describe("ensurePrivateDirectory and assertPrivate", () => {
  it("creates missing folders 0700", () => {
    const dir = join(makeTempDir(), "a", "b");
    ensurePrivateDirectory(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it.each([
    [0o700, "ok"],
    [0o710, "E_INSECURE_PERMISSIONS"],
    [0o701, "E_INSECURE_PERMISSIONS"],
    [0o750, "E_INSECURE_PERMISSIONS"],
    [0o777, "E_INSECURE_PERMISSIONS"],
  ])("a directory with mode %o: %s", (mode, expected) => {
    const dir = join(makeTempDir(), "home");
    mkdirSync(dir);
    chmodSync(dir, mode);
    let outcome = "ok";
    try {
      ensurePrivateDirectory(dir);
    } catch (error) {
      outcome = (error as { code: string }).code;
      expect((error as Error).message).toContain(`chmod 700 ${dir}`);
    }
    expect(outcome).toBe(expected);
  });

  it.each([
    [0o600, "ok"],
    [0o400, "ok"],
    [0o640, "E_INSECURE_PERMISSIONS"],
    [0o604, "E_INSECURE_PERMISSIONS"],
    [0o620, "E_INSECURE_PERMISSIONS"],
  ])("a file with mode %o: %s", (mode, expected) => {
    const file = join(makeTempDir(), "secret");
    writeFileSync(file, "x");
    chmodSync(file, mode);
    let outcome = "ok";
    try {
      assertPrivate(file);
    } catch (error) {
      outcome = (error as { code: string }).code;
      expect((error as Error).message).toContain(`chmod 600 ${file}`);
    }
    expect(outcome).toBe(expected);
  });
});
