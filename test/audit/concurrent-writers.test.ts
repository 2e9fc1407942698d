import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLogger, listDayFiles } from "../../src/audit/index.js";
import { parseConfig } from "../../src/config/index.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { TEST_SEAL_KEY } from "./trail-fixtures.js";

const DIST = join(import.meta.dirname, "..", "..", "dist");

/** A separate Node process that writes `count` events as writer `id` (built code from dist/). */
function writerProcess(
  home: string,
  id: number,
  count: number,
  durability: string,
): Promise<number | null> {
  const script = `
    const { AuditLogger } = await import(${JSON.stringify(join(DIST, "audit", "index.js"))});
    const { parseConfig } = await import(${JSON.stringify(join(DIST, "config", "index.js"))});
    const logger = new AuditLogger({
      home: process.env.HOME_DIR,
      config: parseConfig({}),
      durability: process.env.DURABILITY,
      keys: { sealKey: Buffer.from(process.env.SEAL_KEY_HEX, "hex") },
    });
    const id = Number(process.env.WRITER);
    const count = Number(process.env.COUNT);
    // Most in a burst that shares batches, the rest one by one, so batches of all writers interleave.
    const burst = [];
    for (let i = 0; i < count - 25; i++) burst.push(logger.logApiCall("svc", "/w" + id + "/" + i, { username: "w" + id }));
    await Promise.all(burst);
    for (let i = count - 25; i < count; i++) await logger.logApiCall("svc", "/w" + id + "/" + i, { username: "w" + id });
    await logger.close();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        ...process.env,
        HOME_DIR: home,
        WRITER: String(id),
        COUNT: String(count),
        DURABILITY: durability,
        SEAL_KEY_HEX: TEST_SEAL_KEY.toString("hex"),
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("close", resolve);
  });
}

describe("several processes writing at once", () => {
  it.each(["batched", "fsync"])(
    "lose, tear and interleave no line, and verify passes (%s)",
    async (durability) => {
      const home = makeTempDir();
      const writers = 4;
      const count = durability === "fsync" ? 300 : 2000;
      const codes = await Promise.all(
        Array.from({ length: writers }, (_, id) => writerProcess(home, id, count, durability)),
      );
      expect(codes).toEqual(Array(writers).fill(0));

      const logger = new AuditLogger({
        home,
        config: parseConfig({}),
        keys: { sealKey: TEST_SEAL_KEY },
      });
      const report = await logger.verify();
      expect(report).toMatchObject({ intact: true, events: writers * count });
      for (let id = 0; id < writers; id++) {
        const endpoints = (await logger.getEventsByUser(`w${id}`)).map(
          (event) => event.details.endpoint,
        );
        expect(endpoints).toEqual(Array.from({ length: count }, (_, i) => `/w${id}/${i}`));
      }
      const dir = join(home, "audit");
      for (const file of listDayFiles(dir)) {
        for (const line of readFileSync(join(dir, file), "utf8").trimEnd().split("\n")) {
          expect(() => JSON.parse(line)).not.toThrow();
        }
      }
      const writerIds = new Set((await logger.getEvents()).map((event) => event.writer));
      expect(writerIds.size).toBe(writers);
    },
  );
});
