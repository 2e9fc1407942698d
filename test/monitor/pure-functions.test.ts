import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { healthScore, healthStatusOf, scrubText } from "../../src/monitor/index.js";
import { busiestWindow } from "../../src/monitor/sliding-window.js";

describe("healthScore", () => {
  it.each([
    { severities: [], score: 100, status: "healthy" },
    { severities: ["low"], score: 95, status: "healthy" },
    { severities: ["medium"], score: 85, status: "healthy" },
    { severities: ["medium", "low"], score: 80, status: "healthy" },
    { severities: ["high"], score: 70, status: "warning" },
    { severities: ["high", "medium"], score: 55, status: "warning" },
    { severities: ["high", "high"], score: 40, status: "critical" },
    { severities: ["critical"], score: 40, status: "critical" },
    { severities: ["critical", "critical"], score: 0, status: "critical" },
  ] as const)("$severities -> $score ($status)", ({ severities, score, status }) => {
    expect(healthScore(severities.map((severity) => ({ severity })))).toEqual({ score, status });
  });

  it("puts the status boundaries at 80 and 50", () => {
    expect([80, 79, 50, 49].map(healthStatusOf)).toEqual([
      "healthy",
      "warning",
      "warning",
      "critical",
    ]);
  });
});

describe("busiestWindow", () => {
  it("matches a brute-force count of every window", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 60 }), (raw) => {
        const times = [...raw].sort((a, b) => a - b);
        const brute = Math.max(
          0,
          ...times.map((end) => times.filter((t) => t > end - 60 && t <= end).length),
        );
        expect(busiestWindow(times, 60, Number.NEGATIVE_INFINITY)?.count ?? 0).toBe(brute);
      }),
    );
  });
});

describe("scrubText", () => {
  it.each([
    ["password=hunter2 rejected", "hunter2"],
    ['{"api_key": "sk-live-abcdefghijklmnop1234"}', "sk-live-abcdefghijklmnop1234"],
    [
      "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLXZhbHVl",
      "eyJhbGciOiJIUzI1NiJ9",
    ],
    ["connect postgres://bot:s3cret@db.local/app failed", "s3cret"],
    ["GET /jobs?token=abcd1234&page=2", "abcd1234"],
    [
      "session cookie li_at=AQEDAR0123456789abcdefABCDEF0123456789xyz",
      "AQEDAR0123456789abcdefABCDEF0123456789xyz",
    ],
    ["key AKIAIOSFODNN7EXAMPLE leaked", "AKIAIOSFODNN7EXAMPLE"],
  ])("removes the secret from %s", (text, secret) => {
    const clean = scrubText(text);
    expect(clean).not.toContain(secret);
    expect(clean).toContain("[redacted]");
  });

  it("keeps ordinary messages and cuts long ones", () => {
    expect(scrubText("Stale element reference: element is not attached")).toBe(
      "Stale element reference: element is not attached",
    );
    const long = scrubText("word ".repeat(200), 50);
    expect(long).toHaveLength(50);
    expect(long.endsWith("…")).toBe(true);
    expect(scrubText("line one\n\u001b[31mred\u0007")).toBe("line one [31mred");
  });
});
