import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { removeStaleTempFiles, replaceFileAtomically } from "../../src/storage/index.js";
import { makeTempDir } from "../helpers/temp-home.js";

describe("replaceFileAtomically", () => {
  it("creates the file with mode 0600 and replaces it whole", async () => {
    const path = join(makeTempDir(), "data");
    await replaceFileAtomically(path, "first");
    await replaceFileAtomically(path, Buffer.from("second, longer"));

    expect(readFileSync(path, "utf8")).toBe("second, longer");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(path, ".."))).toEqual(["data"]);
  });

  it("gives a new inode on every write, so readers holding the old file see it whole", async () => {
    const path = join(makeTempDir(), "data");
    await replaceFileAtomically(path, "one");
    const before = statSync(path).ino;
    await replaceFileAtomically(path, "two");
    expect(statSync(path).ino).not.toBe(before);
  });

  it("reports E_IO naming the cause, and leaves the old file, when the folder is missing", async () => {
    const path = join(makeTempDir(), "missing", "data");
    await expect(replaceFileAtomically(path, "x")).rejects.toMatchObject({
      code: "E_IO",
      message: expect.stringContaining("ENOENT"),
    });
  });
});

describe("removeStaleTempFiles", () => {
  it("removes only '<name>.<digits>' leftovers beside the file", () => {
    const dir = makeTempDir();
    const path = join(dir, "vault");
    const keep = [
      "vault",
      "vault.lock",
      "vault.bak",
      "vault.12a",
      "vaultx.123",
      "other.123",
      "vault.",
    ];
    const stale = ["vault.0", "vault.4294967295", "vault.860500204"];
    for (const name of [...keep, ...stale]) writeFileSync(join(dir, name), "x");

    expect(removeStaleTempFiles(path)).toBe(3);
    expect(readdirSync(dir).sort()).toEqual([...keep].sort());
  });

  it("removes nothing when there is nothing stale", () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, "vault"), "x");
    expect(removeStaleTempFiles(join(dir, "vault"))).toBe(0);
  });
});
