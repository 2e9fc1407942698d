import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { isVigilError } from "../../src/errors.js";
import {
  decodeBase32,
  encodeBase32,
  formatOtpauthUri,
  hotp,
  type OtpAlgorithm,
  parseOtpauthUri,
  parseOtpInput,
  totp,
} from "../../src/integrations/totp.js";

const SEEDS: Record<OtpAlgorithm, Buffer> = {
  SHA1: Buffer.from("12345678901234567890"),
  SHA256: Buffer.from("12345678901234567890123456789012"),
  SHA512: Buffer.from("1234567890123456789012345678901234567890123456789012345678901234"),
};

// RFC 6238 appendix B.
const RFC6238: [number, string, string, string][] = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

describe("RFC 6238 test vectors", () => {
  it.each(RFC6238)("at %i s gives the table's SHA1, SHA256 and SHA512 codes", (t, ...codes) => {
    const clock = new ManualClock(t * 1000);
    const algorithms: OtpAlgorithm[] = ["SHA1", "SHA256", "SHA512"];
    algorithms.forEach((algorithm, index) => {
      const { code } = totp({ secret: SEEDS[algorithm], algorithm, digits: 8 }, clock);
      expect(code).toBe(codes[index]);
    });
  });
});

describe("RFC 4226 test vectors", () => {
  const expected = [
    "755224",
    "287082",
    "359152",
    "969429",
    "338314",
    "254676",
    "287922",
    "162583",
    "399871",
    "520489",
  ];
  it.each(expected.map((code, counter) => [counter, code] as const))(
    "counter %i gives %s",
    (counter, code) => {
      expect(hotp(SEEDS.SHA1, counter)).toBe(code);
    },
  );
});

describe("totp", () => {
  it("changes with the period and tells the seconds left", () => {
    const clock = new ManualClock(1_000_000_000_000);
    const params = { secret: SEEDS.SHA1 };
    const first = totp(params, clock);
    expect(first.secondsRemaining).toBe(20);
    clock.advance(19_000);
    expect(totp(params, clock).code).toBe(first.code);
    clock.advance(1_000);
    expect(totp(params, clock).code).not.toBe(first.code);
    expect(totp({ ...params, periodSeconds: 60 }, clock).secondsRemaining).toBe(60);
  });
});

describe("base32", () => {
  it("round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        expect(decodeBase32(encodeBase32(Buffer.from(bytes))).equals(Buffer.from(bytes))).toBe(
          true,
        );
      }),
    );
  });

  it("accepts lower case, spaces, hyphens and padding", () => {
    expect(decodeBase32("jbsw y3dp-ehpk 3pxp").toString("hex")).toBe("48656c6c6f21deadbeef");
    expect(decodeBase32("JBSWY3DP======").toString()).toBe("Hello");
  });

  it.each(["", "A", "JBSWY3D1", "JBSW!3DP", "ABC"])("refuses %j", (text) => {
    expect(() => decodeBase32(text)).toThrow(/base32/);
  });
});

describe("otpauth URIs", () => {
  it("reads every parameter", () => {
    const params = parseOtpauthUri(
      "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA512&digits=8&period=60",
    );
    expect(params).toMatchObject({
      algorithm: "SHA512",
      digits: 8,
      periodSeconds: 60,
      issuer: "ACME Co",
      account: "john.doe@email.com",
    });
  });

  it("defaults to SHA1, 6 digits, 30 seconds", () => {
    const params = parseOtpInput("otpauth://totp/me?secret=JBSWY3DPEHPK3PXP");
    expect(params).toMatchObject({ algorithm: "SHA1", digits: 6, periodSeconds: 30 });
  });

  it("takes a bare base32 secret", () => {
    expect(parseOtpInput(" JBSWY3DPEHPK3PXP\n").secret.toString("hex")).toBe(
      "48656c6c6f21deadbeef",
    );
  });

  it("survives formatting and parsing again", () => {
    const params = parseOtpauthUri(
      "otpauth://totp/Site:me?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256&digits=7&period=45&issuer=Site",
    );
    const again = parseOtpauthUri(formatOtpauthUri(params, "fallback"));
    expect(again).toEqual(params);
  });

  it.each([
    ["otpauth://hotp/x?secret=JBSWY3DP&counter=1", "E_UNSUPPORTED_FORMAT"],
    ["otpauth://totp/x", "E_INVALID_VALUE"],
    ["otpauth://totp/x?secret=JBSWY3DP&digits=9", "E_INVALID_VALUE"],
    ["otpauth://totp/x?secret=JBSWY3DP&digits=5", "E_INVALID_VALUE"],
    ["otpauth://totp/x?secret=JBSWY3DP&algorithm=MD5", "E_INVALID_VALUE"],
    ["otpauth://totp/x?secret=JBSWY3DP&period=0", "E_INVALID_VALUE"],
    ["otpauth:nonsense", "E_INVALID_VALUE"],
  ])("refuses %s with %s", (uri, code) => {
    let caught: unknown;
    try {
      parseOtpInput(uri);
    } catch (error) {
      caught = error;
    }
    expect(isVigilError(caught, code as "E_INVALID_VALUE")).toBe(true);
    expect(String(caught)).not.toContain("JBSWY3DP");
  });

  it("throws nothing but vigil errors on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseOtpInput(text);
        } catch (error) {
          expect(isVigilError(error)).toBe(true);
        }
        try {
          parseOtpInput(`otpauth://totp/${text}`);
        } catch (error) {
          expect(isVigilError(error)).toBe(true);
        }
      }),
    );
  });
});
