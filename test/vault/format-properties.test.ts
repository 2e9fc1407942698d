import { readFileSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VigilError } from "../../src/errors.js";
import { decodeVaultFile } from "../../src/vault/vault-format.js";
import { makeVault, reopenVault, withRecomputedChecksum } from "../helpers/vault-fixtures.js";

const nameArbitrary = fc.stringMatching(/^[A-Za-z0-9_./-]{1,128}$/);
// Any Unicode scalar values (no lone surrogates), 1 to 300 code points.
const valueArbitrary = fc.string({ unit: "binary", minLength: 1, maxLength: 300 });

describe("format properties", () => {
  it("gives back every valid name and value through a fresh instance", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(nameArbitrary, valueArbitrary), {
          minLength: 1,
          maxLength: 8,
          selector: ([name]) => name,
        }),
        async (pairs) => {
          const vault = makeVault();
          await vault.transaction((tx) => {
            for (const [name, value] of pairs) tx.set(name, value);
          });
          const reader = reopenVault(vault);
          for (const [name, value] of pairs) expect(await reader.getCredential(name)).toBe(value);
          expect(Object.keys(await reader.listCredentials()).length).toBe(pairs.length);
          reader.close();
          vault.close();
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);

  it("refuses any set of byte changes, even with the checksum recomputed", async () => {
    const vault = makeVault();
    await vault.setCredential("api_key", "sk-property-test");
    const original = readFileSync(vault.path);
    const bodyLength = original.length - 32;

    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.tuple(fc.integer({ min: 0, max: bodyLength - 1 }), fc.integer({ min: 1, max: 255 })),
          { minLength: 1, maxLength: 6, selector: ([offset]) => offset },
        ),
        async (changes) => {
          const forged = Buffer.from(original);
          for (const [offset, mask] of changes) forged[offset] = (forged[offset] ?? 0) ^ mask;
          writeFileSync(vault.path, withRecomputedChecksum(forged));
          const reader = reopenVault(vault);
          try {
            await expect(reader.getCredential("api_key")).rejects.toBeInstanceOf(VigilError);
          } finally {
            reader.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);

  it("parses arbitrary bytes into a file or a VigilError, never another exception", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, asVault) => {
        const input = Buffer.from(bytes);
        // Half of the cases start like a vault, so the checks after the magic are reached too.
        if (asVault && input.length >= 10) input.write("VIGILVLT\u0000\u0001", 0, "latin1");
        try {
          decodeVaultFile(withRecomputedChecksum(input), "/tmp/vault");
        } catch (error) {
          expect(error).toBeInstanceOf(VigilError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
