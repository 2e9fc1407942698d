import { describe, expect, it } from "vitest";
import type { AuditSinkEvent } from "../../src/audit-sink.js";
import { isVigilError } from "../../src/errors.js";
import {
  referencedCredential,
  resolveEnvReferences,
} from "../../src/integrations/env-references.js";
import { makeVault } from "../helpers/vault-fixtures.js";

async function vaultWith(values: Record<string, string>) {
  const vault = makeVault();
  for (const [name, value] of Object.entries(values)) await vault.setCredential(name, value);
  return vault;
}

describe("referencedCredential", () => {
  it.each([
    ["vigil://openai_api_key", "openai_api_key"],
    ["vigil://bot/linkedin.password", "bot/linkedin.password"],
    ["plain value", undefined],
    ["VIGIL://upper", undefined],
    [" vigil://x", undefined],
  ])("reads %j as %j", (value, expected) => {
    expect(referencedCredential(value)).toBe(expected);
  });
});

describe("resolveEnvReferences", () => {
  it("replaces references, keeps plain values and records one access per credential", async () => {
    const vault = await vaultWith({ api_key: "value-one", db: "value-two" });
    const events: AuditSinkEvent[] = [];
    const { env, injected } = await resolveEnvReferences(
      { API_KEY: "vigil://api_key", DB: "vigil://db", MODE: "prod" },
      vault,
      { audit: { record: (event) => void events.push(event) } },
    );
    expect({ ...env }).toEqual({ API_KEY: "value-one", DB: "value-two", MODE: "prod" });
    expect(injected.map((i) => i.variable)).toEqual(["API_KEY", "DB"]);
    expect(events.map((e) => [e.eventType, e.details?.credential, e.details?.variable])).toEqual([
      ["credential_access", "api_key", "API_KEY"],
      ["credential_access", "db", "DB"],
    ]);
    expect(JSON.stringify(events)).not.toContain("value-");
  });

  it("lists every missing reference and reads nothing", async () => {
    const vault = await vaultWith({ api_key: "value-one" });
    const events: AuditSinkEvent[] = [];
    let caught: unknown;
    try {
      await resolveEnvReferences(
        { A: "vigil://api_key", B: "vigil://gone", C: "vigil://also_gone" },
        vault,
        { audit: { record: (event) => void events.push(event) } },
      );
    } catch (error) {
      caught = error;
    }
    expect(isVigilError(caught, "E_NOT_FOUND")).toBe(true);
    expect((caught as Error).message).toContain("B -> gone, C -> also_gone");
    expect(events).toEqual([]);
  });

  it("refuses a reference that is not a credential name", async () => {
    let caught: unknown;
    try {
      await resolveEnvReferences({ A: "vigil://has space" }, await vaultWith({}));
    } catch (error) {
      caught = error;
    }
    expect(isVigilError(caught, "E_INVALID_NAME")).toBe(true);
    expect((caught as Error).message).toMatch(/^A references/);
  });

  it("treats a variable named __proto__ as an ordinary variable", async () => {
    const vault = await vaultWith({ api_key: "value-one" });
    const variables = JSON.parse('{"__proto__": "vigil://api_key"}') as Record<string, string>;
    const { env } = await resolveEnvReferences(variables, vault);
    expect(Object.getOwnPropertyDescriptor(env, "__proto__")?.value).toBe("value-one");
    expect(Object.getPrototypeOf(env)).toBeNull();
  });
});
