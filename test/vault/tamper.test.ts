import { readFileSync, writeFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { VigilError } from "../../src/errors.js";
import type { EncryptedVault } from "../../src/vault/index.js";
import { FAST_KDF } from "../helpers/temp-home.js";
import {
  flipByte,
  formatRegions,
  makeVault,
  payloadLengthOf,
  reopenVault,
  withRecomputedChecksum,
} from "../helpers/vault-fixtures.js";

/** Opens `bytes` as the vault file in a fresh instance and reads a credential. */
async function openCode(vault: EncryptedVault, bytes: Buffer): Promise<string> {
  writeFileSync(vault.path, bytes, { mode: 0o600 });
  const reader = reopenVault(vault);
  try {
    const value = await reader.getCredential("api_key");
    return `returned ${JSON.stringify(value)}`;
  } catch (error) {
    if (error instanceof VigilError) return error.code;
    throw error;
  } finally {
    reader.close();
  }
}

describe("a damaged or tampered vault file", () => {
  let vault: EncryptedVault;
  let original: Buffer;

  beforeEach(async () => {
    vault = makeVault();
    await vault.setCredential("api_key", "sk-tamper-test");
    original = readFileSync(vault.path);
  });

  it("opens untouched (the baseline every flip is compared with)", async () => {
    expect(await openCode(vault, original)).toBe('returned "sk-tamper-test"');
  });

  it("has the layout the format document gives", () => {
    const regions = formatRegions(payloadLengthOf(original));
    expect(regions.at(-1)?.end).toBe(original.length);
    expect(original.subarray(0, 8).toString("ascii")).toBe("VIGILVLT");
    expect(original.readUInt16BE(8)).toBe(1);
    expect(original.readUInt8(10)).toBe(1);
    expect(original.readUInt32BE(12)).toBe(FAST_KDF.memoryKiB);
    expect(original.readUInt32BE(16)).toBe(FAST_KDF.iterations);
    expect(original.readUInt32BE(20)).toBe(FAST_KDF.parallelism);
  });

  // A flip the checksum still covers is accidental damage: always E_INTEGRITY, before any KDF.
  const damaged = formatRegions(0).map((region) => region.name);
  it.each(damaged)("refuses a byte flipped in the %s with E_INTEGRITY", async (name) => {
    const region = formatRegions(payloadLengthOf(original)).find((r) => r.name === name);
    if (region === undefined) throw new Error(name);
    for (const offset of [region.start, region.end - 1]) {
      expect(await openCode(vault, flipByte(original, offset))).toBe("E_INTEGRITY");
    }
  });

  // An attacker who knows the format recomputes the checksum: only the GCM tags catch it. The
  // expected code per region is the honest one for that part of the file.
  const forged: [string, number, string][] = [
    ["magic", 0, "E_INTEGRITY"],
    ["format version", 9, "E_UNSUPPORTED_FORMAT"],
    ["kdf id", 10, "E_INTEGRITY"],
    ["reserved byte", 11, "E_INTEGRITY"],
    ["kdf memory (top byte: 16 GiB, over the ceiling)", 12, "E_INTEGRITY"],
    ["kdf memory (low byte: still valid, so the key differs)", 15, "E_WRONG_PASSWORD"],
    ["kdf iterations (2 -> 3)", 19, "E_WRONG_PASSWORD"],
    ["kdf parallelism (1 -> 0)", 23, "E_KDF_DOWNGRADE"],
    ["salt", 24, "E_WRONG_PASSWORD"],
    ["wrap nonce", 40, "E_WRONG_PASSWORD"],
    ["wrapped key", 60, "E_WRONG_PASSWORD"],
    ["wrap tag", 99, "E_WRONG_PASSWORD"],
    ["payload nonce", 100, "E_INTEGRITY"],
    ["payload length", 115, "E_INTEGRITY"],
    ["payload ciphertext", 116, "E_INTEGRITY"],
  ];
  it.each(forged)(
    "refuses a forged %s (checksum recomputed) at offset %i with %s",
    async (_, offset, code) => {
      expect(await openCode(vault, withRecomputedChecksum(flipByte(original, offset)))).toBe(code);
    },
  );

  it("refuses a forged payload tag (checksum recomputed) with E_INTEGRITY", async () => {
    const tagStart = 116 + payloadLengthOf(original);
    for (const offset of [tagStart, tagStart + 15]) {
      const forgedFile = withRecomputedChecksum(flipByte(original, offset));
      expect(await openCode(vault, forgedFile)).toBe("E_INTEGRITY");
    }
  });

  it("refuses every single-byte flip of the whole file, with or without a recomputed checksum", async () => {
    const refusals = new Set(["E_INTEGRITY", "E_WRONG_PASSWORD", "E_KDF_DOWNGRADE"]);
    const outcomes = new Map<string, number>();
    const checksumStart = original.length - 32;

    for (let offset = 0; offset < original.length; offset++) {
      const plain = await openCode(vault, flipByte(original, offset));
      expect(plain, `offset ${offset}`).toBe("E_INTEGRITY");
      if (offset >= checksumStart) continue; // recomputing would undo the flip
      const forgedCode = await openCode(vault, withRecomputedChecksum(flipByte(original, offset)));
      const allowed = offset === 8 || offset === 9 ? "E_UNSUPPORTED_FORMAT" : undefined;
      expect(refusals.has(forgedCode) || forgedCode === allowed, `offset ${offset}`).toBe(true);
      outcomes.set(forgedCode, (outcomes.get(forgedCode) ?? 0) + 1);
    }
    // Both kinds of refusal occurred, so the loop really reached the key checks.
    expect(outcomes.get("E_WRONG_PASSWORD")).toBeGreaterThan(60);
    expect(outcomes.get("E_INTEGRITY")).toBeGreaterThan(40);
  }, 180_000);

  it("refuses a tampered file in an instance that had already unlocked the vault", async () => {
    const reader = reopenVault(vault);
    await reader.unlock();
    const cases = [24, 60, 100, 116];
    try {
      for (const offset of cases) {
        writeFileSync(vault.path, withRecomputedChecksum(flipByte(original, offset)));
        await expect(reader.getCredential("api_key")).rejects.toMatchObject({
          code: "E_INTEGRITY",
        });
      }
      writeFileSync(vault.path, original);
      expect(await reader.getCredential("api_key")).toBe("sk-tamper-test");
    } finally {
      reader.close();
    }
  });

  it.each([
    ["an empty file", () => Buffer.alloc(0)],
    ["a file cut after the header", () => original.subarray(0, 116)],
    ["a file missing its last byte", () => original.subarray(0, original.length - 1)],
    ["a file with a byte appended", () => Buffer.concat([original, Buffer.from([0])])],
    ["a file of random bytes", () => Buffer.from(original.map(() => (Math.random() * 256) | 0))],
    [
      "a length field that claims more than the file holds (checksum recomputed)",
      () => {
        const copy = Buffer.from(original);
        copy.writeUInt32BE(0xffffffff, 112);
        return withRecomputedChecksum(copy);
      },
    ],
  ])("refuses %s with E_INTEGRITY", async (_, make) => {
    expect(await openCode(vault, make())).toBe("E_INTEGRITY");
  });

  it("tells a wrong password (E_WRONG_PASSWORD) apart from a damaged file (E_INTEGRITY)", async () => {
    writeFileSync(vault.path, original);
    const wrong = reopenVault(vault, { masterPassword: "a-different-but-long-password" });
    await expect(wrong.unlock()).rejects.toMatchObject({ code: "E_WRONG_PASSWORD" });
    expect(await openCode(vault, flipByte(original, 200))).toBe("E_INTEGRITY");
  });
});

describe("a KDF downgrade", () => {
  async function forgeKdf(memoryKiB: number, iterations: number, parallelism: number) {
    const vault = makeVault();
    await vault.setCredential("api_key", "sk-downgrade-test");
    const file = readFileSync(vault.path);
    file.writeUInt32BE(memoryKiB, 12);
    file.writeUInt32BE(iterations, 16);
    file.writeUInt32BE(parallelism, 20);
    writeFileSync(vault.path, withRecomputedChecksum(file));
    try {
      await reopenVault(vault).getCredential("api_key");
      return "opened";
    } catch (error) {
      return (error as VigilError).code;
    }
  }

  it("refuses a header rewritten to m=8 MiB, t=1 (checksum recomputed) with E_KDF_DOWNGRADE", async () => {
    expect(await forgeKdf(8 * 1024, 1, 1)).toBe("E_KDF_DOWNGRADE");
  });

  it("names the OWASP minimum in the message", async () => {
    const vault = makeVault();
    await vault.unlock();
    const file = readFileSync(vault.path);
    file.writeUInt32BE(8 * 1024, 12);
    writeFileSync(vault.path, withRecomputedChecksum(file));
    await expect(reopenVault(vault).unlock()).rejects.toThrow(/below OWASP's minimum/);
  });

  // OWASP minimum: m=19456 KiB, t=2, p=1. Ceilings: m=4 GiB, t=64, p=64.
  const table: [string, number, number, number, string][] = [
    ["memory one KiB under the floor", 19_455, 2, 1, "E_KDF_DOWNGRADE"],
    ["one pass", 19_456, 1, 1, "E_KDF_DOWNGRADE"],
    ["zero passes", 65_536, 0, 4, "E_KDF_DOWNGRADE"],
    ["zero lanes", 65_536, 3, 0, "E_KDF_DOWNGRADE"],
    ["zero memory", 0, 3, 4, "E_KDF_DOWNGRADE"],
    ["memory over 4 GiB", 4 * 1024 * 1024 + 1, 3, 4, "E_INTEGRITY"],
    ["memory of 2^32-1 KiB", 0xffffffff, 3, 4, "E_INTEGRITY"],
    ["65 passes", 65_536, 65, 4, "E_INTEGRITY"],
    ["2^32-1 passes", 65_536, 0xffffffff, 4, "E_INTEGRITY"],
    ["65 lanes", 65_536, 3, 65, "E_INTEGRITY"],
    // Valid costs that differ from the ones the key was wrapped with: the wrap's AAD catches it.
    ["exactly the floor, not the original costs", 19_456, 2, 2, "E_WRONG_PASSWORD"],
  ];
  it.each(table)("refuses %s (m=%i, t=%i, p=%i) with %s", async (_, m, t, p, code) => {
    expect(await forgeKdf(m, t, p)).toBe(code);
  });

  it("refuses to create a vault with KDF costs under the floor", async () => {
    const vault = makeVault({ kdf: { memoryKiB: 8 * 1024, iterations: 1, parallelism: 1 } });
    await expect(vault.unlock()).rejects.toMatchObject({ code: "E_KDF_DOWNGRADE" });
  });
});
