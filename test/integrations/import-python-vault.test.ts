import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fernetEncrypt } from "../../src/crypto/fernet.js";
import { isVigilError } from "../../src/errors.js";
import { readPythonVault } from "../../src/integrations/import-python-vault.js";

const KEY = Buffer.alloc(32, 5).toString("base64url");

describe("readPythonVault", () => {
  it("decrypts encrypted entries and keeps plain ones, with created and expires", () => {
    const store = JSON.stringify({
      api: {
        value: fernetEncrypt(KEY, Buffer.from("sk-ünïcode")),
        metadata: { expires: "2026-05-01", note: "kept out" },
        created: "2025-01-01T00:00:00",
        encrypted: true,
      },
      user: { value: "plain-user", metadata: {}, created: "2025-01-02", encrypted: false },
    });
    expect(readPythonVault(store, `${KEY}\n`)).toEqual([
      { name: "api", value: "sk-ünïcode", created: "2025-01-01T00:00:00", expires: "2026-05-01" },
      { name: "user", value: "plain-user", created: "2025-01-02" },
    ]);
  });

  it("refuses a key file that is not a Fernet key, without quoting it", () => {
    let caught: unknown;
    try {
      readPythonVault("{}", "not-a-key-SECRETVALUE");
    } catch (error) {
      caught = error;
    }
    expect(isVigilError(caught, "E_INVALID_VALUE")).toBe(true);
    expect(String(caught)).not.toContain("SECRETVALUE");
  });

  it("refuses a token that decrypts to bytes that are not UTF-8", () => {
    const store = JSON.stringify({
      bin: { value: fernetEncrypt(KEY, Buffer.from([0xff, 0xfe])), encrypted: true },
    });
    expect(() => readPythonVault(store, KEY)).toThrow(/not decrypt to UTF-8/);
  });

  it("does not quote the store when its JSON is broken", () => {
    let caught: unknown;
    try {
      readPythonVault('{"a": {"value": "SECRETVALUE", ', KEY);
    } catch (error) {
      caught = error;
    }
    expect(isVigilError(caught, "E_INVALID_VALUE")).toBe(true);
    expect(String(caught)).not.toContain("SECRETVALUE");
    expect((caught as Error).cause).toBeUndefined();
  });

  it("throws nothing but vigil errors on arbitrary stores", () => {
    const entry = fc.record(
      {
        value: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        encrypted: fc.oneof(fc.boolean(), fc.constant("yes")),
        metadata: fc.oneof(fc.constant(null), fc.record({ expires: fc.string() })),
        created: fc.oneof(fc.string(), fc.integer()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.dictionary(fc.string(), fc.oneof(entry, fc.jsonValue())).map((v) => JSON.stringify(v)),
        ),
        (text) => {
          try {
            readPythonVault(text, KEY);
          } catch (error) {
            expect(isVigilError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
