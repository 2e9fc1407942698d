import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/crypto/index.js";
import { isVigilError } from "../../src/errors.js";
import { decodeVaultFile, VAULT_MAGIC } from "../../src/vault/vault-format.js";

/** Runs `decode` and returns the error code, or "ok"; anything but a VigilError fails the test. */
function outcome(bytes: Uint8Array): string {
  try {
    decodeVaultFile(Buffer.from(bytes), "fuzzed-vault");
    return "ok";
  } catch (error) {
    if (isVigilError(error)) return error.code;
    throw error;
  }
}

/** A framed file: magic, then `body`, with a correct trailing checksum. */
function withChecksum(body: Uint8Array): Uint8Array {
  const framed = Buffer.concat([VAULT_MAGIC, Buffer.from(body)]);
  return Buffer.concat([framed, sha256(framed)]);
}

describe("the vault header parser under hostile input", () => {
  it("answers arbitrary bytes with a coded error, never a crash", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expect(outcome(bytes)).not.toBe("ok");
      }),
      { numRuns: 2000 },
    );
  });

  it("answers well-framed files with random headers with a coded error or a parse, never a crash", () => {
    const codes = new Set<string>();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 100, maxLength: 600 }), (body) => {
        codes.add(outcome(withChecksum(body)));
      }),
      { numRuns: 3000 },
    );
    expect([...codes].every((code) => code.startsWith("E_") || code === "ok")).toBe(true);
  });

  it("refuses every KDF cost below OWASP's minimum as a downgrade", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 19_455 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 1 }),
        (memoryKiB, iterations, parallelism) => {
          const header = Buffer.alloc(116 + 16);
          header.writeUInt16BE(1, 0);
          header.writeUInt8(1, 2);
          header.writeUInt32BE(memoryKiB, 4);
          header.writeUInt32BE(iterations, 8);
          header.writeUInt32BE(parallelism, 12);
          header.writeUInt32BE(0, 104);
          expect(outcome(withChecksum(header))).toBe("E_KDF_DOWNGRADE");
        },
      ),
      { numRuns: 300 },
    );
  });
});
