import type { Stats } from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import { makeVault, reopenVault } from "../helpers/vault-fixtures.js";

/*
 * Linux before 6.13 stamps files from a clock that ticks every 1-10 ms, FAT and many network file
 * systems every second or two, and ext4 hands a freed inode number to the very next file. Two
 * same-size writes within one tick can then leave a file whose stat() equals the one a reader
 * remembers. This suite makes stat() blind on purpose (inode, mtime and ctime always 0), the worst
 * such file system, to prove that freshness does not rest on timestamps.
 */
// The CommonJS face of node:fs is a plain, writable object; syncBuiltinESMExports() then makes
// every `import { statSync } from "node:fs"` see the replacement.
const fs = createRequire(import.meta.url)("node:fs") as typeof import("node:fs");
const realStat = fs.statSync;
const realFstat = fs.fstatSync;

function blindStats<T>(stats: T): T {
  if (stats instanceof fs.Stats) {
    const blind = Object.assign(Object.create(Object.getPrototypeOf(stats)), stats) as Stats;
    blind.ino = 0;
    blind.mtimeMs = 0;
    blind.ctimeMs = 0;
    return blind as T;
  }
  return stats;
}

function useBlindStat(): void {
  Object.assign(fs, {
    statSync: (...args: Parameters<typeof fs.statSync>) => blindStats(realStat(...args)),
    fstatSync: (...args: Parameters<typeof fs.fstatSync>) => blindStats(realFstat(...args)),
  });
  syncBuiltinESMExports();
}

afterEach(() => {
  Object.assign(fs, { statSync: realStat, fstatSync: realFstat });
  syncBuiltinESMExports();
});

describe("freshness on a file system with coarse timestamps", () => {
  it("sees another instance's same-size write", async () => {
    useBlindStat();
    const writer = makeVault();
    // Past maxBackupVersions + 1 writes the kept list stops growing, so equal-length values
    // give files of equal size.
    for (const value of ["sk-0000", "sk-1111", "sk-2222", "sk-3333", "sk-AAAA"]) {
      await writer.setCredential("api_key", value);
    }
    const reader = reopenVault(writer);
    expect(await reader.getCredential("api_key")).toBe("sk-AAAA");

    await writer.setCredential("api_key", "sk-BBBB");

    expect(await reader.getCredential("api_key")).toBe("sk-BBBB");
  });

  it("never loses another instance's same-size write when it writes next", async () => {
    useBlindStat();
    const first = makeVault();
    for (const value of ["0000", "1111", "2222", "3333", "4444"])
      await first.setCredential("a", value);
    await first.setCredential("b", "bbbb");
    const second = reopenVault(first);
    await second.unlock();

    await first.setCredential("a", "5555");
    await second.setCredential("b", "cccc");

    const check = reopenVault(first);
    expect(await check.getCredential("a")).toBe("5555");
    expect(await check.getCredential("b")).toBe("cccc");
  });
});
