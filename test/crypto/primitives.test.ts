import { describe, expect, it } from "vitest";
import {
  constantTimeEqual,
  DEFAULT_ARGON2ID,
  deriveArgon2idKey,
  hkdfSha256,
  hmacSha256,
  MINIMUM_ARGON2ID,
  meetsMinimum,
  openAes256Gcm,
  randomKey,
  randomString,
  sealAes256Gcm,
  sha256,
  withinMaximum,
} from "../../src/crypto/index.js";

describe("AES-256-GCM", () => {
  const key = randomKey(32);
  const aad = Buffer.from("header");
  const plaintext = Buffer.from("sk-live-value");

  it("opens what it sealed, with a fresh 12-byte nonce each time", () => {
    const first = sealAes256Gcm(key, plaintext, aad);
    const second = sealAes256Gcm(key, plaintext, aad);
    expect(first.nonce.length).toBe(12);
    expect(first.tag.length).toBe(16);
    expect(first.nonce.equals(second.nonce)).toBe(false);
    expect(first.ciphertext.equals(second.ciphertext)).toBe(false);
    expect(openAes256Gcm(key, first, aad)?.toString()).toBe("sk-live-value");
  });

  it.each([
    ["the key", (s: ReturnType<typeof sealAes256Gcm>) => ({ k: randomKey(32), s, a: aad })],
    ["the aad", (s: ReturnType<typeof sealAes256Gcm>) => ({ k: key, s, a: Buffer.from("headeR") })],
    [
      "a ciphertext bit",
      (s: ReturnType<typeof sealAes256Gcm>) => {
        const ciphertext = Buffer.from(s.ciphertext);
        ciphertext[0] = (ciphertext[0] ?? 0) ^ 1;
        return { k: key, s: { ...s, ciphertext }, a: aad };
      },
    ],
    [
      "a tag bit",
      (s: ReturnType<typeof sealAes256Gcm>) => {
        const tag = Buffer.from(s.tag);
        tag[15] = (tag[15] ?? 0) ^ 0x80;
        return { k: key, s: { ...s, tag }, a: aad };
      },
    ],
    [
      "the nonce",
      (s: ReturnType<typeof sealAes256Gcm>) => ({
        k: key,
        s: { ...s, nonce: randomKey(12) },
        a: aad,
      }),
    ],
    [
      "a truncated tag",
      (s: ReturnType<typeof sealAes256Gcm>) => ({
        k: key,
        s: { ...s, tag: s.tag.subarray(0, 12) },
        a: aad,
      }),
    ],
  ])("returns null (no plaintext) when %s differs", (_, change) => {
    const { k, s, a } = change(sealAes256Gcm(key, plaintext, aad));
    expect(openAes256Gcm(k, s, a)).toBeNull();
  });
});

describe("hashes and HKDF (published test vectors)", () => {
  it("SHA-256 of 'abc' (FIPS 180-2)", () => {
    expect(sha256("abc").toString("hex")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("HMAC-SHA256, RFC 4231 test case 2", () => {
    expect(hmacSha256(Buffer.from("Jefe"), "what do ya want for nothing?").toString("hex")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("HKDF-SHA256, RFC 5869 test case 3 (empty salt and info)", () => {
    expect(hkdfSha256(Buffer.alloc(22, 0x0b), "", 42).toString("hex")).toBe(
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    );
  });

  it("gives unrelated subkeys for different purposes", () => {
    const root = randomKey(32);
    expect(hkdfSha256(root, "vigil/a").equals(hkdfSha256(root, "vigil/b"))).toBe(false);
    expect(hkdfSha256(root, "vigil/a").equals(hkdfSha256(root, "vigil/a"))).toBe(true);
  });
});

describe("constantTimeEqual", () => {
  it.each([
    ["equal strings", "s3cret", "s3cret", true],
    ["one character differs", "s3cret", "s3creT", false],
    ["a prefix", "s3cret", "s3cre", false],
    ["empty and empty", "", "", true],
    ["a string and its bytes", "s3cret", Buffer.from("s3cret"), true],
  ])("%s", (_, a, b, expected) => {
    expect(constantTimeEqual(a, b)).toBe(expected);
  });
});

describe("Argon2id", () => {
  const salt = Buffer.alloc(16, 7);

  it("derives the same 32-byte key for the same inputs and another for another salt", async () => {
    const first = await deriveArgon2idKey("pw", salt, MINIMUM_ARGON2ID);
    expect(first.length).toBe(32);
    expect((await deriveArgon2idKey("pw", salt, MINIMUM_ARGON2ID)).equals(first)).toBe(true);
    const other = await deriveArgon2idKey("pw", Buffer.alloc(16, 8), MINIMUM_ARGON2ID);
    expect(other.equals(first)).toBe(false);
  });

  it("defaults to RFC 9106's second recommendation", () => {
    expect(DEFAULT_ARGON2ID).toEqual({ memoryKiB: 65_536, iterations: 3, parallelism: 4 });
  });

  it.each([
    [{ memoryKiB: 19_456, iterations: 2, parallelism: 1 }, true, true],
    [{ memoryKiB: 19_455, iterations: 2, parallelism: 1 }, false, true],
    [{ memoryKiB: 19_456, iterations: 1, parallelism: 1 }, false, true],
    [{ memoryKiB: 19_456, iterations: 2, parallelism: 0 }, false, true],
    [{ memoryKiB: 4 * 1024 * 1024, iterations: 64, parallelism: 64 }, true, true],
    [{ memoryKiB: 4 * 1024 * 1024 + 1, iterations: 3, parallelism: 4 }, true, false],
    [{ memoryKiB: 65_536, iterations: 65, parallelism: 4 }, true, false],
    [{ memoryKiB: 65_536, iterations: 3, parallelism: 65 }, true, false],
  ])("%o: meets the floor %s, within the ceiling %s", (params, floor, ceiling) => {
    expect(meetsMinimum(params)).toBe(floor);
    expect(withinMaximum(params)).toBe(ceiling);
  });
});

describe("randomString", () => {
  it("draws only from the alphabet, and every symbol turns up", () => {
    const text = randomString(4000, "abc");
    expect(text).toMatch(/^[abc]{4000}$/);
    for (const symbol of "abc") expect(text.split(symbol).length - 1).toBeGreaterThan(1000);
  });

  it("refuses an alphabet of fewer than two symbols", () => {
    expect(() => randomString(8, "aaaa")).toThrow(RangeError);
  });
});
