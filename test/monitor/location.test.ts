import { describe, expect, it } from "vitest";
import { haversineKm, networkPrefix } from "../../src/monitor/index.js";
import { activeTypes, HOUR, MINUTE, makeMonitor } from "./monitor-fixtures.js";

const PARIS = { latitude: 48.8566, longitude: 2.3522 };
const NEW_YORK = { latitude: 40.7128, longitude: -74.006 };

describe("locations", () => {
  it.each([
    ["203.0.113.77", "203.0.113.0/24"],
    ["::ffff:203.0.113.77", "203.0.113.0/24"],
    ["2001:db8:abcd:12::1", "2001:db8:abcd::/48"],
    ["2001:0db8:0000:0042::7", "2001:db8:0::/48"],
    ["::1", "0:0:0::/48"],
    ["not an ip", undefined],
  ])("the network of %s is %s", (ip, prefix) => {
    expect(networkPrefix(ip)).toBe(prefix);
  });

  it("measures great-circle distance", () => {
    expect(haversineKm(PARIS, NEW_YORK)).toBeGreaterThan(5830);
    expect(haversineKm(PARIS, NEW_YORK)).toBeLessThan(5845);
    expect(haversineKm(PARIS, PARIS)).toBe(0);
  });

  it("flags a login from a new network, not a new address in a known one", async () => {
    const { monitor, clock } = makeMonitor();
    await monitor.recordLogin("jane", { success: true, ip: "198.51.100.10" });
    clock.advance(HOUR);
    await monitor.recordLogin("jane", { success: true, ip: "198.51.100.99" });
    expect(await activeTypes(monitor)).not.toContain("unusual_location");

    clock.advance(HOUR);
    await monitor.recordLogin("jane", { success: true, ip: "203.0.113.5" });
    const [found] = await monitor.detectSuspiciousPatterns();
    expect(found).toMatchObject({
      type: "unusual_location",
      severity: "medium",
      evidence: { kind: "new_place", places: ["203.0.113.0/24"] },
    });

    clock.advance(24 * HOUR);
    expect(await activeTypes(monitor)).not.toContain("unusual_location");
    await monitor.recordLogin("jane", { success: true, ip: "203.0.113.6" });
    expect(await activeTypes(monitor)).not.toContain("unusual_location");
  });

  it("does not flag the very first login (nothing to compare with)", async () => {
    const { monitor } = makeMonitor();
    await monitor.recordLogin("jane", { success: true, ip: "2001:db8:1::1" });
    expect(await activeTypes(monitor)).toEqual([]);
  });

  it("prefers a named place over the network", async () => {
    const { monitor, clock } = makeMonitor();
    await monitor.recordLogin("jane", {
      success: true,
      ip: "198.51.100.10",
      location: { country: "FR", city: "Paris" },
    });
    clock.advance(HOUR);
    // Another network, same city: a mobile hotspot, not a new place.
    await monitor.recordLogin("jane", {
      success: true,
      ip: "203.0.113.5",
      location: { country: "FR", city: "Paris" },
    });
    expect(await activeTypes(monitor)).not.toContain("unusual_location");
  });

  it.each([
    { label: "Paris -> New York in 1 hour", minutes: 60, impossible: true },
    { label: "Paris -> New York in 6 hours", minutes: 360, impossible: true },
    { label: "Paris -> New York in 7 hours", minutes: 420, impossible: false },
  ])("impossible travel: $label -> $impossible", async ({ minutes, impossible }) => {
    // 5837 km: above 900 km/h means under 6.49 hours.
    const { monitor, clock } = makeMonitor({
      accountMonitoring: { thresholds: { locationWindowHours: 12 } },
    });
    await monitor.recordLogin("jane", {
      success: true,
      location: { country: "FR", city: "Paris", ...PARIS },
    });
    clock.advance(minutes * MINUTE);
    await monitor.recordLogin("jane", {
      success: true,
      location: { country: "FR", city: "Paris", ...NEW_YORK },
    });
    const found = (await monitor.detectSuspiciousPatterns()).find(
      (a) => a.type === "unusual_location",
    );
    expect(found?.evidence.kind === "impossible_travel").toBe(impossible);
    if (impossible) expect(found?.severity).toBe("high");
  });

  it("ignores short hops that GeoIP cannot resolve", async () => {
    const { monitor, clock } = makeMonitor();
    await monitor.recordLogin("jane", {
      success: true,
      location: { city: "a", latitude: 48.85, longitude: 2.35 },
    });
    clock.advance(MINUTE);
    await monitor.recordLogin("jane", {
      success: true,
      location: { city: "a", latitude: 49.3, longitude: 2.35 },
    });
    expect(await activeTypes(monitor)).toEqual([]);
  });
});
