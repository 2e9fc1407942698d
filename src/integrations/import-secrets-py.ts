import { VigilError } from "../errors.js";
import type { ParsedAssignment } from "./import-dotenv.js";

/** An assignment the parser saw but did not take, with why. */
export interface SkippedAssignment {
  readonly name: string;
  readonly line: number;
  readonly reason: string;
}

/** What {@link parseSecretsPy} found. */
export interface SecretsPyParse {
  readonly assignments: ParsedAssignment[];
  readonly skipped: SkippedAssignment[];
}

interface Token {
  readonly kind: "name" | "string" | "op" | "other";
  readonly text: string;
  readonly line: number;
  /** For strings: the decoded value and its prefix letters (lower case). */
  readonly value?: string;
  readonly prefix?: string;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};
// Sticky patterns: they match exactly at lastIndex, so the tokenizer never copies the source.
const STRING_START = /([rRbBuUfF]{0,2})('''|"""|'|")/y;
const NAME_TOKEN = /[\p{L}_][\p{L}\p{N}_]*/uy;
const OPERATOR = /\*\*=|\/\/=|>>=|<<=|[=!<>:+\-*/%&|^@~]=|->/y;
const KEYWORDS = new Set([
  "import",
  "from",
  "if",
  "elif",
  "else",
  "for",
  "while",
  "def",
  "class",
  "try",
  "except",
  "finally",
  "with",
  "return",
  "pass",
  "del",
  "global",
  "assert",
  "raise",
]);

/**
 * Reads the string assignments of a Python settings module such as the LinkedIn bot's
 * `config/secrets.py` (`username = "..."`, `llm_api_key: str = '...'`), without running it:
 * executing a file to import it would run whatever else it contains. Understands comments,
 * single, double and triple quotes, `r`/`u` prefixes, escapes, adjacent-literal concatenation,
 * parentheses, line continuations and `;`. Only top-level (unindented) assignments count; a later
 * assignment of the same name wins, as in Python.
 *
 * Skipped with a reason: values that are not plain string literals (numbers, `True`, calls such
 * as `os.getenv(...)`, f-strings, bytes) and chained assignments.
 *
 * @throws {VigilError} `E_INVALID_VALUE` naming the line for an unterminated string or a bad
 * escape; the message never quotes a value.
 * @example
 * parseSecretsPy('username = "me@example.com"\npassword = "s3cret"  # LinkedIn\n');
 */
export function parseSecretsPy(text: string): SecretsPyParse {
  const byName = new Map<string, ParsedAssignment>();
  const skipped = new Map<string, SkippedAssignment>();
  for (const statement of tokenize(text.replace(/^\uFEFF/, ""))) {
    const outcome = readAssignment(statement);
    if (outcome === undefined) continue;
    byName.delete(outcome.name);
    skipped.delete(outcome.name);
    if ("value" in outcome) byName.set(outcome.name, outcome);
    else skipped.set(outcome.name, outcome);
  }
  return { assignments: [...byName.values()], skipped: [...skipped.values()] };
}

function readAssignment(statement: Token[]): ParsedAssignment | SkippedAssignment | undefined {
  const target = statement[0];
  if (target?.kind !== "name" || KEYWORDS.has(target.text)) return undefined;
  const equals = statement.findIndex((token) => token.kind === "op" && token.text === "=");
  const second = statement[1];
  if (equals < 0 || second === undefined) return undefined;
  // `name = ...` or an annotated `name: type = ...`; anything else (a.b = ..., x[0] = ...) is not
  // a plain variable.
  if (equals !== 1 && !(second.kind === "op" && second.text === ":")) return undefined;

  const skip = (reason: string) => ({ name: target.text, line: target.line, reason });
  let values = statement.slice(equals + 1);
  if (values.some((token) => token.kind === "op" && token.text === "=")) {
    return skip("chained assignment");
  }
  if (values[0]?.text === "(" && values.at(-1)?.text === ")") values = values.slice(1, -1);
  if (values.length === 0 || values.some((token) => token.kind !== "string")) {
    return skip("not a string literal");
  }
  if (values.some((token) => token.prefix?.includes("f"))) return skip("f-string");
  if (values.some((token) => token.prefix?.includes("b"))) return skip("bytes literal");
  return {
    name: target.text,
    value: values.map((token) => token.value ?? "").join(""),
    line: target.line,
  };
}

/** Splits the source into top-level statements of tokens; indented statements are dropped. */
function tokenize(source: string): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  let indented = false;
  let atLineStart = true;
  let depth = 0;
  let line = 1;
  let at = 0;

  const endStatement = () => {
    if (current.length > 0 && !indented) statements.push(current);
    current = [];
  };

  while (at < source.length) {
    const char = source[at] ?? "";
    if (atLineStart && depth === 0) {
      atLineStart = false;
      indented = char === " " || char === "\t" || char === "\f";
    }

    if (char === "\n" || char === "\r") {
      at += char === "\r" && source[at + 1] === "\n" ? 2 : 1;
      line++;
      if (depth === 0) {
        endStatement();
        atLineStart = true;
      }
      continue;
    }
    if (char === "#") {
      while (at < source.length && source[at] !== "\n" && source[at] !== "\r") at++;
      continue;
    }
    if (char === "\\" && (source[at + 1] === "\n" || source[at + 1] === "\r")) {
      at += source[at + 1] === "\r" && source[at + 2] === "\n" ? 3 : 2;
      line++;
      continue;
    }
    if (char === " " || char === "\t" || char === "\f") {
      at++;
      continue;
    }

    STRING_START.lastIndex = at;
    const stringStart = STRING_START.exec(source);
    if (stringStart !== null) {
      const read = readString(source, at, line, stringStart[1] ?? "", stringStart[2] ?? "");
      current.push(read.token);
      at = read.end;
      line = read.endLine;
      continue;
    }
    NAME_TOKEN.lastIndex = at;
    const name = NAME_TOKEN.exec(source);
    if (name !== null) {
      current.push({ kind: "name", text: name[0], line });
      at += name[0].length;
      continue;
    }

    if ("([{".includes(char)) depth++;
    if (")]}".includes(char)) depth = Math.max(0, depth - 1);
    if (char === ";" && depth === 0) {
      endStatement();
      at++;
      continue;
    }
    OPERATOR.lastIndex = at;
    const op = OPERATOR.exec(source);
    const text = op?.[0] ?? char;
    current.push({ kind: "=:()".includes(text) && text.length === 1 ? "op" : "other", text, line });
    at += text.length;
  }
  endStatement();
  return statements;
}

function readString(
  source: string,
  start: number,
  startLine: number,
  prefix: string,
  quote: string,
): { token: Token; end: number; endLine: number } {
  const lowerPrefix = prefix.toLowerCase();
  const raw = lowerPrefix.includes("r");
  const triple = quote.length === 3;
  let at = start + prefix.length + quote.length;
  let line = startLine;
  let value = "";

  for (;;) {
    if (at >= source.length) throw unterminated(startLine);
    if (source.startsWith(quote, at)) {
      at += quote.length;
      break;
    }
    const char = source[at] ?? "";
    if (char === "\n" || char === "\r") {
      if (!triple) throw unterminated(startLine);
      const width = char === "\r" && source[at + 1] === "\n" ? 2 : 1;
      value += "\n";
      at += width;
      line++;
      continue;
    }
    if (char !== "\\") {
      value += char;
      at++;
      continue;
    }

    const next = source[at + 1];
    if (next === undefined) throw unterminated(startLine);
    if (next === "\n" || next === "\r") {
      const width = next === "\r" && source[at + 2] === "\n" ? 3 : 2;
      if (raw) value += `\\${"\n"}`;
      at += width;
      line++;
      continue;
    }
    if (raw) {
      // A raw string keeps the backslash, but it still stops the next quote from closing it.
      value += `\\${next}`;
      at += 2;
      continue;
    }
    const decoded = decodeEscape(source, at, line);
    value += decoded.text;
    at = decoded.end;
  }

  const text = source.slice(start, at);
  return {
    token: { kind: "string", text, line: startLine, value, prefix: lowerPrefix },
    end: at,
    endLine: line,
  };
}

function decodeEscape(source: string, at: number, line: number): { text: string; end: number } {
  const next = source[at + 1] ?? "";
  const simple = SIMPLE_ESCAPES[next];
  if (simple !== undefined) return { text: simple, end: at + 2 };

  const octal = /^[0-7]{1,3}/.exec(source.slice(at + 1, at + 4));
  if (octal !== null) {
    return {
      text: String.fromCodePoint(Number.parseInt(octal[0], 8)),
      end: at + 1 + octal[0].length,
    };
  }
  const widths: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };
  const width = widths[next];
  if (width !== undefined) {
    const hex = source.slice(at + 2, at + 2 + width);
    const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === width ? Number.parseInt(hex, 16) : -1;
    if (code < 0 || code > 0x10ffff) {
      throw new VigilError("E_INVALID_VALUE", `line ${line}: invalid \\${next} escape in a string`);
    }
    return { text: String.fromCodePoint(code), end: at + 2 + width };
  }
  if (next === "N") {
    throw new VigilError(
      "E_INVALID_VALUE",
      `line ${line}: \\N{...} escapes are not supported; write the character itself`,
    );
  }
  // Python keeps unknown escapes as written.
  return { text: `\\${next}`, end: at + 2 };
}

function unterminated(line: number): VigilError {
  return new VigilError("E_INVALID_VALUE", `line ${line}: a string is never closed`);
}
