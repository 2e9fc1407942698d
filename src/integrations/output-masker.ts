import { Transform, type TransformCallback } from "node:stream";

/** What replaces a secret in a child's output. */
export const CONCEALED = "<concealed by vigil>";
/** Values shorter than this are not masked: they would blank out ordinary words and digits. */
export const MIN_MASKED_LENGTH = 4;

/**
 * Replaces secret values in a byte stream, also when a value is split across chunks. It holds
 * back only a tail that could still become a secret (at most the longest secret's length minus
 * one byte), so ordinary output passes through without delay.
 *
 * Matching is leftmost, then longest: where two secrets start at the same byte, the longer one
 * is concealed whole. A held tail is released by {@link flush} when the stream ends.
 *
 * @example
 * const masker = new StreamingMasker(["hunter22"]);
 * masker.push(Buffer.from("pass=hun")); // "pass="
 * masker.push(Buffer.from("ter22\n")); // "<concealed by vigil>\n"
 */
export class StreamingMasker {
  readonly #secrets: readonly Buffer[];
  readonly #replacement: Buffer;
  readonly #maxLength: number;
  #pending: Buffer = Buffer.alloc(0);

  /**
   * @param secrets values to conceal; those shorter than {@link MIN_MASKED_LENGTH} characters
   * are ignored (see {@link partitionMaskable}).
   * @param replacement default {@link CONCEALED}.
   */
  constructor(secrets: Iterable<string>, replacement: string = CONCEALED) {
    const unique = new Set([...secrets].filter((s) => s.length >= MIN_MASKED_LENGTH));
    this.#secrets = [...unique].map((secret) => Buffer.from(secret, "utf8"));
    this.#replacement = Buffer.from(replacement, "utf8");
    this.#maxLength = Math.max(0, ...this.#secrets.map((secret) => secret.length));
  }

  /** Bytes currently held back (always below the longest secret's length). */
  get heldBytes(): number {
    return this.#pending.length;
  }

  /** Masks `chunk` (after what was held back) and returns what is safe to write now. */
  push(chunk: Buffer): Buffer {
    if (this.#secrets.length === 0) return chunk;
    const data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const { output, held } = this.#scan(data, false);
    this.#pending = held;
    return output;
  }

  /** Ends the stream: masks and returns everything still held back. */
  flush(): Buffer {
    const { output } = this.#scan(this.#pending, true);
    this.#pending = Buffer.alloc(0);
    return output;
  }

  #scan(data: Buffer, final: boolean): { output: Buffer; held: Buffer } {
    const parts: Buffer[] = [];
    // Next occurrence of each secret, refreshed only when the scan passes it, so a chunk is
    // searched about once per secret rather than once per secret per match.
    const next = this.#secrets.map((secret) => data.indexOf(secret));
    // The held-back tail is found once; it moves only if a match runs past it.
    let partial = final ? -1 : this.#partialStart(data, 0);
    let position = 0;
    for (;;) {
      const match = this.#nextMatch(data, position, next);
      if (partial >= 0 && partial < position) partial = this.#partialStart(data, position);
      if (match !== undefined && (partial < 0 || match.start < partial)) {
        parts.push(data.subarray(position, match.start), this.#replacement);
        position = match.start + match.length;
        continue;
      }
      const stop = partial < 0 ? data.length : partial;
      parts.push(data.subarray(position, stop));
      return { output: Buffer.concat(parts), held: Buffer.from(data.subarray(stop)) };
    }
  }

  /** The leftmost complete occurrence of any secret at or after `from`, longest first. */
  #nextMatch(
    data: Buffer,
    from: number,
    next: number[],
  ): { start: number; length: number } | undefined {
    let best: { start: number; length: number } | undefined;
    this.#secrets.forEach((secret, index) => {
      let start = next[index] ?? -1;
      if (start >= 0 && start < from) {
        start = data.indexOf(secret, from);
        next[index] = start;
      }
      if (start < 0) return;
      if (
        best === undefined ||
        start < best.start ||
        (start === best.start && secret.length > best.length)
      ) {
        best = { start, length: secret.length };
      }
    });
    return best;
  }

  /**
   * The first position in the tail where the rest of `data` is a proper prefix of a secret
   * (so the next chunk could complete it), or -1.
   */
  #partialStart(data: Buffer, from: number): number {
    const begin = Math.max(from, data.length - (this.#maxLength - 1));
    for (let start = begin; start < data.length; start++) {
      const tailLength = data.length - start;
      for (const secret of this.#secrets) {
        if (
          secret.length > tailLength &&
          secret[0] === data[start] &&
          secret.compare(data, start, data.length, 0, tailLength) === 0
        ) {
          return start;
        }
      }
    }
    return -1;
  }
}

/**
 * Splits values into those the masker conceals and those too short to mask safely.
 *
 * @example
 * partitionMaskable(["abc", "long-value"]); // { maskable: ["long-value"], tooShort: ["abc"] }
 */
export function partitionMaskable(values: Iterable<string>): {
  maskable: string[];
  tooShort: string[];
} {
  const maskable: string[] = [];
  const tooShort: string[] = [];
  for (const value of values) {
    (value.length >= MIN_MASKED_LENGTH ? maskable : tooShort).push(value);
  }
  return { maskable, tooShort };
}

/**
 * The forms in which a program commonly prints a value: as is, JSON-escaped (a value with quotes,
 * backslashes or newlines inside a logged JSON document) and percent-encoded (a key in a URL).
 * Each distinct form is concealed.
 *
 * @example
 * printedForms('pa"ss word'); // ['pa"ss word', 'pa\\"ss word', "pa%22ss%20word"]
 */
export function printedForms(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1)]);
  try {
    forms.add(encodeURIComponent(value));
  } catch {
    // A lone surrogate cannot be percent-encoded, so no program prints it that way either.
  }
  return [...forms];
}

/**
 * A stream `Transform` around {@link StreamingMasker}, for piping a child's stdout or stderr.
 *
 * @example
 * child.stdout.pipe(createMaskingStream(values)).pipe(process.stdout);
 */
export function createMaskingStream(secrets: Iterable<string>, replacement?: string): Transform {
  const masker = new StreamingMasker(secrets, replacement);
  return new Transform({
    transform(chunk: Buffer | string, _encoding, callback: TransformCallback) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      const out = masker.push(bytes);
      callback(null, out.length === 0 ? undefined : out);
    },
    flush(callback: TransformCallback) {
      const out = masker.flush();
      callback(null, out.length === 0 ? undefined : out);
    },
  });
}
