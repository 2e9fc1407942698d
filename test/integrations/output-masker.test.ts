import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CONCEALED,
  createMaskingStream,
  partitionMaskable,
  printedForms,
  StreamingMasker,
} from "../../src/integrations/output-masker.js";

/** Reference: leftmost-longest replacement over the whole text at once. */
function maskAll(input: string, secrets: readonly string[]): string {
  const sorted = [...new Set(secrets.filter((s) => s.length >= 4))].sort(
    (a, b) => b.length - a.length,
  );
  const bytes = Buffer.from(input);
  const parts: Buffer[] = [];
  let at = 0;
  let plainFrom = 0;
  while (at < bytes.length) {
    const hit = sorted.find((s) =>
      bytes.subarray(at).subarray(0, Buffer.byteLength(s)).equals(Buffer.from(s)),
    );
    if (hit === undefined) {
      at++;
      continue;
    }
    parts.push(bytes.subarray(plainFrom, at), Buffer.from(CONCEALED));
    at += Buffer.byteLength(hit);
    plainFrom = at;
  }
  parts.push(bytes.subarray(plainFrom));
  return Buffer.concat(parts).toString();
}

function maskInChunks(input: string, secrets: readonly string[], cuts: readonly number[]) {
  const masker = new StreamingMasker(secrets);
  const bytes = Buffer.from(input);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  let maxHeld = 0;
  for (const point of [...points, bytes.length]) {
    out.push(masker.push(bytes.subarray(from, point)));
    maxHeld = Math.max(maxHeld, masker.heldBytes);
    from = point;
  }
  out.push(masker.flush());
  return { output: Buffer.concat(out).toString(), maxHeld };
}

describe("StreamingMasker", () => {
  it("conceals a secret printed whole", () => {
    const masker = new StreamingMasker(["hunter22"]);
    expect(masker.push(Buffer.from("pw=hunter22!\n")).toString()).toBe(`pw=${CONCEALED}!\n`);
  });

  it("conceals a secret split across chunks, holding back only a possible prefix", () => {
    const masker = new StreamingMasker(["hunter22"]);
    expect(masker.push(Buffer.from("pw=hun")).toString()).toBe("pw=");
    expect(masker.heldBytes).toBe(3);
    expect(masker.push(Buffer.from("te")).toString()).toBe("");
    expect(masker.push(Buffer.from("r22 ok")).toString()).toBe(`${CONCEALED} ok`);
    expect(masker.heldBytes).toBe(0);
  });

  it("releases a held prefix that turns out not to be a secret", () => {
    const masker = new StreamingMasker(["hunter22"]);
    expect(masker.push(Buffer.from("hunt")).toString()).toBe("");
    expect(masker.push(Buffer.from("ing\n")).toString()).toBe("hunting\n");
  });

  it("flushes what it held when the stream ends", () => {
    const masker = new StreamingMasker(["hunter22"]);
    expect(masker.push(Buffer.from("end: hunter2")).toString()).toBe("end: ");
    expect(masker.flush().toString()).toBe("hunter2");
  });

  it("prefers the longer of two secrets starting at the same byte, even when split", () => {
    const masker = new StreamingMasker(["abcd", "abcdefgh"]);
    const out = [masker.push(Buffer.from("x abcd")), masker.push(Buffer.from("efgh y"))];
    expect(Buffer.concat(out).toString()).toBe(`x ${CONCEALED} y`);
  });

  it("ignores values shorter than four characters", () => {
    expect(partitionMaskable(["abc", "abcd", ""])).toEqual({
      maskable: ["abcd"],
      tooShort: ["abc", ""],
    });
    expect(new StreamingMasker(["abc"]).push(Buffer.from("abc")).toString()).toBe("abc");
  });

  it("masks multi-byte UTF-8 secrets split inside a character", () => {
    const masker = new StreamingMasker(["pässwörd"]);
    const bytes = Buffer.from("[pässwörd]");
    const out = [masker.push(bytes.subarray(0, 3)), masker.push(bytes.subarray(3)), masker.flush()];
    expect(Buffer.concat(out).toString()).toBe(`[${CONCEALED}]`);
  });

  it("gives the same output however the stream is cut, never leaking a secret", () => {
    const alphabet = fc.constantFrom("a", "b", "c", "x", "é", "\n");
    const word = fc.array(alphabet, { minLength: 1, maxLength: 8 }).map((p) => p.join(""));
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(word, fc.constant("")), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (secrets, pieces, cuts) => {
          const secretList = secrets.map((s) => `${s}abcd`.slice(0, Math.max(4, s.length)));
          const input = pieces
            .map((piece, i) => (i % 2 === 0 ? piece : (secretList[i % secretList.length] ?? "")))
            .join("");
          const { output, maxHeld } = maskInChunks(input, secretList, cuts);
          expect(output).toBe(maskAll(input, secretList));
          const longest = Math.max(...secretList.map((s) => Buffer.byteLength(s)));
          expect(maxHeld).toBeLessThanOrEqual(longest - 1);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("printedForms", () => {
  it("adds the JSON-escaped and percent-encoded forms when they differ", () => {
    expect(printedForms('pa"ss word\n')).toEqual([
      'pa"ss word\n',
      'pa\\"ss word\\n',
      "pa%22ss%20word%0A",
    ]);
    expect(printedForms("plain-token")).toEqual(["plain-token"]);
  });
});

describe("createMaskingStream", () => {
  it("masks through a pipe, one byte at a time", async () => {
    const secret = "sk-live-0123456789";
    const input = `key=${secret}\nagain ${secret}`;
    const bytes = [...Buffer.from(input)].map((b) => Buffer.from([b]));
    const out = await text(Readable.from(bytes).pipe(createMaskingStream([secret])));
    expect(out).toBe(`key=${CONCEALED}\nagain ${CONCEALED}`);
  });
});
