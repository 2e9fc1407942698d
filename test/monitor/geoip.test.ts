import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GeoIpLocator } from "../../src/monitor/index.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { buildMmdb, cityRecord } from "./mmdb-writer.js";
import { activeTypes, HOUR, makeMonitor } from "./monitor-fixtures.js";

function writeGeoDatabase(): string {
  const path = join(makeTempDir("vigil-geoip-"), "GeoLite2-City-test.mmdb");
  writeFileSync(
    path,
    buildMmdb([
      { cidr: "198.51.100.0/24", record: cityRecord("FR", "Paris", 48.8566, 2.3522) },
      { cidr: "192.0.2.0/24", record: cityRecord("FR", "Paris", 48.8566, 2.3522) },
      { cidr: "203.0.113.0/24", record: cityRecord("US", "New York", 40.7128, -74.006) },
    ]),
  );
  return path;
}

describe("GeoIP (MaxMind .mmdb through the maxmind package)", () => {
  it("looks up city, country and coordinates offline", async () => {
    const geo = await GeoIpLocator.open(writeGeoDatabase());
    expect(geo.lookup("203.0.113.44")).toEqual({
      country: "US",
      city: "New York",
      latitude: 40.7128,
      longitude: -74.006,
    });
    expect(geo.lookup("10.1.2.3")).toBeUndefined();
    expect(geo.lookup("nonsense")).toBeUndefined();
  });

  it("treats two networks in one city as one place, and flags impossible travel", async () => {
    const { monitor, clock } = makeMonitor({
      accountMonitoring: { geoipDatabase: writeGeoDatabase() },
    });
    await monitor.recordLogin("jane", { success: true, ip: "198.51.100.10" });
    clock.advance(HOUR);
    await monitor.recordLogin("jane", { success: true, ip: "192.0.2.77" });
    expect(await activeTypes(monitor)).toEqual([]);

    clock.advance(HOUR); // Paris -> New York (5,837 km) in an hour
    await monitor.recordLogin("jane", { success: true, ip: "203.0.113.5" });
    const [found] = await monitor.detectSuspiciousPatterns();
    expect(found).toMatchObject({
      type: "unusual_location",
      severity: "high",
      evidence: { kind: "impossible_travel", from: "fr//paris", to: "us//new york" },
    });
  });

  it("refuses a file that is not a MaxMind database", async () => {
    const path = join(makeTempDir(), "broken.mmdb");
    writeFileSync(path, "not a database");
    await expect(GeoIpLocator.open(path)).rejects.toMatchObject({ code: "E_CONFIG" });
  });
});
