import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig, parseConfigText } from "../../src/config/index.js";
import { isVigilError } from "../../src/errors.js";

function codeOf(run: () => unknown): string {
  try {
    run();
    return "ok";
  } catch (error) {
    if (isVigilError(error)) return error.code;
    throw error;
  }
}

describe("the config parser under hostile input", () => {
  it("answers any text with a value or E_CONFIG", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(["ok", "E_CONFIG"]).toContain(codeOf(() => parseConfigText(text, "fuzz")));
      }),
      { numRuns: 2000 },
    );
  });

  it("answers any JSON value with a config or E_CONFIG", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        expect(["ok", "E_CONFIG"]).toContain(codeOf(() => parseConfig(value)));
      }),
      { numRuns: 2000 },
    );
  });

  it("answers objects shaped like a config, with wrong leaves, with a config or E_CONFIG", () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const section = fc.dictionary(
      fc.constantFrom("maxBackupVersions", "kdf", "durability", "thresholds", "timeZone", "x"),
      leaf,
    );
    const config = fc.dictionary(
      fc.constantFrom("vault", "auditLogging", "accountMonitoring", "session", "home"),
      section,
    );
    fc.assert(
      fc.property(config, (value) => {
        expect(["ok", "E_CONFIG"]).toContain(codeOf(() => parseConfig(value)));
      }),
      { numRuns: 1000 },
    );
  });
});
