import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { makeProject } from "../helpers/temp-home.js";

/** A project whose thresholds are small enough to cross with a few CLI calls. */
function smallProject(extra: Record<string, unknown> = {}) {
  return makeProject({
    accountMonitoring: {
      timeZone: "UTC",
      // An empty unusual-hours range, so a run at night does not add an anomaly.
      thresholds: { maxApplicationsPerHour: 2, unusualHoursStart: 0, unusualHoursEnd: 0 },
      pacing: { minGapSeconds: 1, jitterSeconds: 0 },
      ...extra,
    },
  });
}

describe("vigil monitor", () => {
  it("records events without a master password and reports health with exit codes", async () => {
    const { dir } = smallProject();
    const cli = (args: string[], input?: string) =>
      runCli(["monitor", ...args], { cwd: dir, ...(input === undefined ? {} : { input }) });

    const healthy = await cli(["health", "--json"]);
    expect(healthy.code).toBe(0);
    expect(JSON.parse(healthy.stdout)).toMatchObject({ healthScore: 100, status: "healthy" });

    const login = await cli(["record", "login", "jane", "--ip", "198.51.100.7", "--json"]);
    expect(login.code).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ type: "login" });

    for (const company of ["Acme", "Globex", "Initech"]) {
      const recorded = await cli(["record", "application", company, "Engineer", "--job-id", "42"]);
      expect(recorded.code).toBe(0);
      expect(recorded.stdout).toMatch(/^recorded application #\d+/);
    }
    const warning = await cli(["health"]);
    expect(warning.code).toBe(10);
    expect(warning.stdout).toContain("health 70/100: warning");
    expect(warning.stdout).toContain("burst_activity");

    const notice = await cli(
      ["record", "notice", "--json"],
      "Your account has been temporarily restricted\n",
    );
    expect(JSON.parse(notice.stdout)).toMatchObject({ type: "notice", noticeKind: "restriction" });
    expect(notice.stderr).toContain("anomaly: rate_limited (critical)");
    const critical = await cli(["health", "--json"]);
    expect(critical.code).toBe(11);
    expect(JSON.parse(critical.stdout)).toMatchObject({
      status: "critical",
      suspiciousPatterns: 2,
    });

    const anomalies = await cli(["anomalies", "--json"]);
    expect(anomalies.code).toBe(0);
    expect(
      JSON.parse(anomalies.stdout)
        .map((a: { type: string }) => a.type)
        .sort(),
    ).toEqual(["burst_activity", "rate_limited"]);
  });

  it("prints a summary with a per-hour chart, and JSON on request", async () => {
    const { dir } = smallProject();
    await runCli(["monitor", "record", "application", "Acme", "Engineer"], { cwd: dir });
    await runCli(["monitor", "record", "error", "selenium", "Stale", "element"], { cwd: dir });
    await runCli(
      ["monitor", "record", "api", "linkedin", "--status", "429", "--endpoint", "/jobs?token=x"],
      {
        cwd: dir,
      },
    );
    await runCli(["monitor", "record", "logout", "jane"], { cwd: dir });

    const text = await runCli(["monitor", "summary", "--hours", "3"], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("applications 1 (1 ok, 0 failed)");
    expect(text.stdout).toContain("api calls    1 (1 rate limited)");
    const bars = text.stdout.split("\n").filter((line) => /^\d\d:\d\d /.test(line));
    expect(bars).toHaveLength(3);
    expect(bars[2]).toMatch(/█+\s+1 1 errors 1 api$/);

    const json = await runCli(["monitor", "summary", "--json", "--hours", "2"], { cwd: dir });
    const summary = JSON.parse(json.stdout);
    expect(summary.hourly).toHaveLength(2);
    expect(summary.errors).toEqual({ count: 1, byType: { selenium: 1 } });
  });

  it("answers pace with exit 0 to go and 9 to wait", async () => {
    const { dir } = smallProject({
      thresholds: { maxApplicationsPerHour: 100, unusualHoursEnd: 0 },
      pacing: { minGapSeconds: 60, jitterSeconds: 0 },
    });
    const first = await runCli(["monitor", "pace", "--json"], { cwd: dir });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ allow: true, rule: "ok" });

    await runCli(["monitor", "record", "application", "Acme", "Engineer"], { cwd: dir });
    const wait = await runCli(["monitor", "pace", "--json"], { cwd: dir });
    expect(wait.code).toBe(9);
    const decision = JSON.parse(wait.stdout);
    expect(decision).toMatchObject({ allow: false, rule: "min_gap", stop: false });
    expect(decision.waitMs).toBeGreaterThan(30_000);
  });

  it("pace --wait returns only once the gap since the last application has passed", async () => {
    const { dir } = smallProject({
      thresholds: { maxApplicationsPerHour: 100, unusualHoursEnd: 0 },
      pacing: { minGapSeconds: 2, jitterSeconds: 0 },
    });
    const recorded = await runCli(
      ["monitor", "record", "application", "Acme", "Engineer", "--json"],
      {
        cwd: dir,
      },
    );
    const appliedAt = Date.parse(JSON.parse(recorded.stdout).at);
    const waited = await runCli(["monitor", "pace", "--wait"], { cwd: dir });
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(/^go: /);
    expect(Date.now()).toBeGreaterThanOrEqual(appliedAt + 2000);
  });

  it("exits 1 on a stop, without waiting through it", async () => {
    const { dir } = smallProject();
    await runCli(
      ["monitor", "record", "notice", "You've", "reached", "today's", "Easy", "Apply", "limit"],
      {
        cwd: dir,
      },
    );
    const stop = await runCli(["monitor", "pace", "--wait"], { cwd: dir });
    expect(stop.code).toBe(1);
    expect(stop.stdout).toMatch(/^stop: the platform's daily limit was reached/);
  });

  it("rejects bad input with exit 2 and records nothing", async () => {
    const { dir } = smallProject();
    expect((await runCli(["monitor", "record", "api", "linkedin"], { cwd: dir })).code).toBe(2);
    expect(
      (await runCli(["monitor", "record", "api", "x", "--status", "abc"], { cwd: dir })).code,
    ).toBe(2);
    const badIp = await runCli(["monitor", "record", "login", "jane", "--ip", "nope"], {
      cwd: dir,
    });
    expect(badIp.code).toBe(2);
    expect(badIp.stderr).toContain("E_INVALID_ARGUMENT");
    const summary = await runCli(["monitor", "summary", "--json"], { cwd: dir });
    expect(JSON.parse(summary.stdout).apiCalls.count).toBe(0);
  });
});
