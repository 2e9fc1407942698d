import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listDayFiles } from "../../src/audit/index.js";
import { makeLogger } from "./trail-fixtures.js";

describe("retention", () => {
  it("keeps maxLogFiles daily files, records each deletion, and verify still passes", async () => {
    const { logger, clock, dir } = makeLogger({
      configInput: { auditLogging: { maxLogFiles: 3 } },
    });
    for (let day = 0; day < 7; day++) {
      await logger.logLogin(`user${day}`, { success: true });
      clock.advance(24 * 60 * 60_000);
    }
    await logger.close();

    const files = listDayFiles(dir);
    expect(files).toEqual(["2026-03-05.jsonl", "2026-03-06.jsonl", "2026-03-07.jsonl"]);
    const retention = files
      .flatMap((file) => readFileSync(join(dir, file), "utf8").split("\n"))
      .filter((line) => line.includes('"record":"retention"'))
      .map((line) => JSON.parse(line));
    expect(
      retention.flatMap((record) => record.deleted.map((entry: { file: string }) => entry.file)),
    ).toEqual(["2026-03-02.jsonl", "2026-03-03.jsonl", "2026-03-04.jsonl"]);
    const report = await logger.verify();
    expect(report).toMatchObject({ intact: true, files: 3 });
    expect((await logger.getEvents()).map((event) => event.username)).toEqual([
      "user4",
      "user5",
      "user6",
    ]);
  });

  it("defaults to 90 daily files", async () => {
    const { logger, clock, dir } = makeLogger();
    for (let day = 0; day < 92; day++) {
      await logger.logLogout("u");
      clock.advance(24 * 60 * 60_000);
    }
    await logger.close();
    expect(listDayFiles(dir)).toHaveLength(90);
    expect((await logger.verify()).intact).toBe(true);
  });
});
