import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  configJsonSchema,
  loadConfig,
  parseConfig,
  parseConfigText,
  renderStarterConfig,
} from "../../src/config/index.js";
import { isVigilError } from "../../src/errors.js";
import { makeTempDir } from "../helpers/temp-home.js";

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isVigilError(error, "E_CONFIG")) return error.message;
    throw error;
  }
  throw new Error("expected E_CONFIG");
}

describe("configuration", () => {
  it("gives the design's defaults when there is no file", () => {
    const config = loadConfig({ cwd: makeTempDir(), env: {} });
    expect(config.vault.maxBackupVersions).toBe(3);
    expect(config.vault.kdf).toEqual({ memoryKiB: 65_536, iterations: 3, parallelism: 4 });
    expect(config.secretsRotation.secrets.openai_api_key?.rotationDays).toBe(90);
    expect(config.secretsRotation.secrets.linkedin_session_token?.rotationDays).toBe(30);
    expect(config.auditLogging.maxLogFiles).toBe(90);
    expect(config.accountMonitoring.thresholds.maxApplicationsPerHour).toBe(20);
    expect(config.accountMonitoring.thresholds.maxFailedLoginsPerDay).toBe(3);
    expect(config.session.idleTimeoutMinutes).toBe(30);
    expect(config.session.maxSessionHours).toBe(24);
  });

  it("layers the file, then the environment, then explicit overrides", () => {
    const dir = makeTempDir();
    writeFileSync(
      join(dir, "vigil.config.json"),
      '{ "home": "from-file", "vault": { "maxBackupVersions": 5 } }',
    );
    const fileOnly = loadConfig({ cwd: dir, env: {} });
    expect(fileOnly.home).toBe("from-file");
    expect(fileOnly.vault.maxBackupVersions).toBe(5);
    expect(fileOnly.vault.expiryWarningDays).toBe(14);

    const withEnv = loadConfig({ cwd: dir, env: { VIGIL_HOME: "from-env" } });
    expect(withEnv.home).toBe("from-env");

    const withOverride = loadConfig({
      cwd: dir,
      env: { VIGIL_HOME: "from-env" },
      overrides: { home: "explicit" },
    });
    expect(withOverride.home).toBe("explicit");
  });

  it("returns a frozen object", () => {
    const config = parseConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.vault.kdf)).toBe(true);
  });

  it.each([
    [{ vault: { maxBackupVersions: -1 } }, "vault.maxBackupVersions"],
    [{ vault: { colour: "red" } }, "colour"],
    [{ auditLogging: { durability: "sometimes" } }, "auditLogging.durability"],
    [
      { accountMonitoring: { thresholds: { maxApplicationsPerHour: "20" } } },
      "maxApplicationsPerHour",
    ],
    [{ unknownSection: {} }, "unknownSection"],
  ])("names the bad key in %j", (input, key) => {
    expect(configError(() => parseConfig(input))).toContain(key);
  });

  it("accepts comments and trailing commas, and names the line of a syntax error", () => {
    expect(parseConfigText('// note\n{ "home": "x", /* c */ }', "f")).toEqual({ home: "x" });
    expect(
      configError(() => parseConfigText('{\n  "home": "x"\n  "vault": {}\n}', "f.json")),
    ).toMatch(/^f\.json:3:/);
  });

  it("refuses an explicitly named file that does not exist", () => {
    expect(configError(() => loadConfig({ file: "/nonexistent/vigil.json", env: {} }))).toContain(
      "does not exist",
    );
  });

  it("writes a starter config that parses to the defaults", () => {
    const text = renderStarterConfig("./schema.json");
    expect(text).toContain("// Earlier values kept per credential for rollback");
    const parsed = parseConfig(parseConfigText(text, "starter"));
    expect(parsed).toEqual(parseConfig({ $schema: "./schema.json" }));
  });

  it("publishes the JSON Schema that the code generates", () => {
    const published = JSON.parse(
      readFileSync(
        join(import.meta.dirname, "..", "..", "docs", "vigil.config.schema.json"),
        "utf8",
      ),
    );
    expect(published).toEqual(configJsonSchema());
  });
});
