import { VigilError } from "../errors.js";

/** One assignment read from a source file. */
export interface ParsedAssignment {
  readonly name: string;
  readonly value: string;
  /** 1-based line where the assignment starts. */
  readonly line: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const DOUBLE_QUOTE_ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  r: "\r",
  t: "\t",
  '"': '"',
  "\\": "\\",
  $: "$",
  "`": "`",
};

/**
 * Parses a `.env` file: `KEY=value` lines with an optional `export ` prefix, blank lines and
 * `#` comments; values unquoted (trimmed, ` #` starts a comment), single-quoted (literal) or
 * double-quoted (`\n \r \t \" \\ \$` escapes); quoted values may span lines. Variables are not
 * expanded (`${OTHER}` stays as written): expansion would make a value depend on the
 * environment the import happens to run in. A later assignment of the same name wins.
 *
 * @throws {VigilError} `E_INVALID_VALUE` naming the line for a malformed line or an unclosed
 * quote; the message never quotes a value.
 * @example
 * parseDotenv('export API_KEY="sk-1"\n# comment\nUSER=me'); // [{ name: "API_KEY", ... }, ...]
 */
export function parseDotenv(text: string): ParsedAssignment[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n|\r/);
  const byName = new Map<string, ParsedAssignment>();
  let index = 0;
  while (index < lines.length) {
    const lineNumber = index + 1;
    const line = lines[index] ?? "";
    index++;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;

    const assignment = /^(?:export[ \t]+)?([^=\s]+)[ \t]*=[ \t]*(.*)$/s.exec(trimmed);
    const name = assignment?.[1];
    if (assignment === null || name === undefined || !NAME.test(name)) {
      throw new VigilError(
        "E_INVALID_VALUE",
        `line ${lineNumber}: expected NAME=value (names are letters, digits and '_')`,
      );
    }
    const rest = assignment[2] ?? "";
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      byName.delete(name);
      byName.set(name, { name, value: unquotedValue(rest), line: lineNumber });
      continue;
    }

    const quoted = readQuoted(rest.slice(1), quote, lines, index, lineNumber);
    index = quoted.nextIndex;
    byName.delete(name);
    byName.set(name, { name, value: quoted.value, line: lineNumber });
  }
  return [...byName.values()];
}

function unquotedValue(rest: string): string {
  const comment = /(^|[ \t])#/.exec(rest);
  return (comment === null ? rest : rest.slice(0, comment.index)).trim();
}

/** Reads a quoted value that may continue on the following lines. */
function readQuoted(
  first: string,
  quote: '"' | "'",
  lines: readonly string[],
  nextIndex: number,
  startLine: number,
): { value: string; nextIndex: number } {
  let value = "";
  let text = first;
  let index = nextIndex;
  for (;;) {
    for (let at = 0; at < text.length; at++) {
      const char = text[at] ?? "";
      if (char === quote) {
        assertOnlyComment(text.slice(at + 1), index);
        return { value, nextIndex: index };
      }
      if (char === "\\" && quote === '"' && at + 1 < text.length) {
        const next = text[at + 1] ?? "";
        value += DOUBLE_QUOTE_ESCAPES[next] ?? `\\${next}`;
        at++;
        continue;
      }
      value += char;
    }
    if (index >= lines.length) {
      throw new VigilError(
        "E_INVALID_VALUE",
        `line ${startLine}: the ${quote === '"' ? "double" : "single"} quote is never closed`,
      );
    }
    value += "\n";
    text = lines[index] ?? "";
    index++;
  }
}

function assertOnlyComment(after: string, lineNumber: number): void {
  const trimmed = after.trim();
  if (trimmed !== "" && !trimmed.startsWith("#")) {
    throw new VigilError(
      "E_INVALID_VALUE",
      `line ${lineNumber}: unexpected text after the closing quote`,
    );
  }
}
