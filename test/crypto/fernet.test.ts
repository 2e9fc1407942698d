import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeBase64UrlStrict,
  fernetDecrypt,
  fernetEncrypt,
  parseFernetKey,
} from "../../src/crypto/fernet.js";

interface Vector {
  desc?: string;
  token: string;
  now: string;
  ttl_sec?: number;
  iv?: number[];
  src?: string;
  secret: string;
}

const fixtures = join(import.meta.dirname, "..", "fixtures", "fernet");
const load = (file: string) => JSON.parse(readFileSync(join(fixtures, file), "utf8")) as Vector[];

describe("Fernet against the specification's vectors", () => {
  it.each(load("generate.json"))("generates the exact token from the given IV and time", (v) => {
    const token = fernetEncrypt(v.secret, Buffer.from(v.src ?? ""), {
      iv: Buffer.from(v.iv ?? []),
      nowMs: Date.parse(v.now),
    });
    expect(token).toBe(v.token);
  });

  it.each(load("verify.json"))("verifies and decrypts the token", (v) => {
    const plain = fernetDecrypt(v.secret, v.token, {
      nowMs: Date.parse(v.now),
      ...(v.ttl_sec === undefined ? {} : { ttlSeconds: v.ttl_sec }),
    });
    expect(plain?.toString("utf8")).toBe(v.src);
  });

  it.each(load("invalid.json").map((v) => [v.desc, v] as const))("rejects: %s", (_desc, v) => {
    const plain = fernetDecrypt(v.secret, v.token, {
      nowMs: Date.parse(v.now),
      ...(v.ttl_sec === undefined ? {} : { ttlSeconds: v.ttl_sec }),
    });
    expect(plain).toBeNull();
  });
});

describe("Fernet behaviour", () => {
  const key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";

  it("round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const token = fernetEncrypt(key, Buffer.from(bytes));
        expect(fernetDecrypt(key, token)?.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it("rejects a token under another key", () => {
    const other = Buffer.alloc(32, 7).toString("base64url");
    expect(fernetDecrypt(other, fernetEncrypt(key, Buffer.from("x")))).toBeNull();
  });

  it("rejects any single flipped bit", () => {
    const token = fernetEncrypt(key, Buffer.from("hello world"));
    const bytes = Buffer.from(token, "base64url");
    for (let index = 0; index < bytes.length; index++) {
      const copy = Buffer.from(bytes);
      copy[index] = (copy[index] ?? 0) ^ 1;
      expect(fernetDecrypt(key, copy.toString("base64url"))).toBeNull();
    }
  });

  it("accepts tokens without padding, as some writers strip it", () => {
    const token = fernetEncrypt(key, Buffer.from("hi"));
    expect(fernetDecrypt(key, token.replace(/=+$/, ""))?.toString()).toBe("hi");
  });

  it("checks the TTL only when one is given", () => {
    const token = fernetEncrypt(key, Buffer.from("hi"), { nowMs: 0 });
    expect(fernetDecrypt(key, token)?.toString()).toBe("hi");
    expect(fernetDecrypt(key, token, { ttlSeconds: 10, nowMs: 11_000 })).toBeNull();
    expect(fernetDecrypt(key, token, { ttlSeconds: 10, nowMs: 10_000 })?.toString()).toBe("hi");
  });

  it("refuses malformed keys with a message that holds no key material", () => {
    for (const bad of ["", "short", `${key}x`, key.replace("_", "/"), "A".repeat(44)]) {
      expect(() => parseFernetKey(bad)).toThrow(/32 bytes of base64url/);
    }
    try {
      parseFernetKey(`${key}!`);
    } catch (error) {
      expect(String(error)).not.toContain(key.slice(0, 10));
    }
  });

  it("decodes base64url strictly", () => {
    expect(decodeBase64UrlStrict("aGk=")?.toString()).toBe("hi");
    expect(decodeBase64UrlStrict("aGk")?.toString()).toBe("hi");
    expect(decodeBase64UrlStrict("")?.length).toBe(0);
    for (const bad of ["aGk=x", "aGk==", "a", "aGl=", "aG k", "aG+k", "aG/k", "aGk=="]) {
      expect(decodeBase64UrlStrict(bad)).toBeNull();
    }
  });

  it("never throws on arbitrary tokens", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (token) => {
        expect(fernetDecrypt(key, token)).toBeNull();
      }),
    );
  });
});
