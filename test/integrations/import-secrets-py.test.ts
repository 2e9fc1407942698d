import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isVigilError } from "../../src/errors.js";
import { parseSecretsPy } from "../../src/integrations/import-secrets-py.js";

const values = (text: string) =>
  Object.fromEntries(parseSecretsPy(text).assignments.map((a) => [a.name, a.value]));

describe("parseSecretsPy", () => {
  it("reads the LinkedIn bot's secrets.py", () => {
    const source = [
      "###################################################### LINKEDIN CREDENTIALS",
      "",
      "# Login credentials",
      'username = "user@example.com"       # Enter your username in the quotes',
      "password = 'correct horse'          # Enter your password in the quotes",
      "",
      "## Artificial Intelligence (Beta)",
      "use_AI = False",
      'ai_provider = "openai"',
      'llm_api_url = "https://api.openai.com/v1/"',
      'llm_api_key = "sk-abc123"',
      'llm_model = "gpt-3.5-turbo"',
      'llm_spec = "openai"',
      "stream_output = False",
      "",
    ].join("\n");
    const parsed = parseSecretsPy(source);
    expect(values(source)).toEqual({
      username: "user@example.com",
      password: "correct horse",
      ai_provider: "openai",
      llm_api_url: "https://api.openai.com/v1/",
      llm_api_key: "sk-abc123",
      llm_model: "gpt-3.5-turbo",
      llm_spec: "openai",
    });
    expect(parsed.assignments.find((a) => a.name === "llm_api_key")?.line).toBe(11);
    expect(parsed.skipped.map((s) => [s.name, s.reason])).toEqual([
      ["use_AI", "not a string literal"],
      ["stream_output", "not a string literal"],
    ]);
  });

  it.each([
    ['a = "x\\ny"', "x\ny"],
    ["a = 'it\\'s'", "it's"],
    ['a = "tab\\there"', "tab\there"],
    ['a = "\\x41\\u00e9\\U0001F600\\101"', "Aé😀A"],
    ['a = "back\\\\slash"', "back\\slash"],
    ['a = "keep \\d unknown"', "keep \\d unknown"],
    ['a = r"raw\\nstays"', "raw\\nstays"],
    ["a = r'raw \\' quote'", "raw \\' quote"],
    ['a = u"unicode"', "unicode"],
    ['a = """multi\nline"""', "multi\nline"],
    ["a = '''it's \"fine\"'''", 'it\'s "fine"'],
    ['a = "con" "cat"', "concat"],
    ['a = ("paren"\n     "thesised")', "parenthesised"],
    ['a: str = "annotated"', "annotated"],
    ['a = \\\n  "continued"', "continued"],
    ['a = "one"; b = "two"', "one"],
    ['a = "x # not a comment"  # comment', "x # not a comment"],
    ['a = "first"\na = "second"', "second"],
    ['a = "line\\\ncontinues"', "linecontinues"],
    ['\uFEFFa = "bom"', "bom"],
    ['a = "crlf"\r\nb = "x"', "crlf"],
  ])("reads %j", (source, expected) => {
    expect(values(source).a).toBe(expected);
  });

  it.each([
    ['a = f"{x}"', "f-string"],
    ['a = b"bytes"', "bytes literal"],
    ['a = os.getenv("A")', "not a string literal"],
    ['a = "x" + y', "not a string literal"],
    ["a = 42", "not a string literal"],
    ['a = b = "x"', "chained assignment"],
  ])("skips %j (%s)", (source, reason) => {
    const parsed = parseSecretsPy(source);
    expect(parsed.assignments).toEqual([]);
    expect(parsed.skipped[0]?.reason).toBe(reason);
  });

  it.each([
    'import os\nfrom x import y\nif True:\n    a = "indented"\ndef f():\n    return "x"',
    'obj.attr = "x"\nitems[0] = "y"\nx == "z"',
    "",
    "# only a comment",
  ])("ignores statements that are not top-level assignments: %j", (source) => {
    expect(parseSecretsPy(source).assignments).toEqual([]);
  });

  it("ignores a bare docstring, even one that looks like assignments", () => {
    const source = "'''\nNote: set it = \"True\"\n'''\nllm_api_key = \"sk-x\"\n";
    expect(parseSecretsPy(source).assignments).toEqual([
      { name: "llm_api_key", value: "sk-x", line: 4 },
    ]);
  });

  it.each([
    ['a = "SECRETVALUE', 1],
    ['\n\na = """SECRETVALUE\n\n', 3],
    ['a = "SECRETVALUE \\x4"', 1],
    ['a = "SECRETVALUE\\N{BULLET}"', 1],
    ['a = "SECRETVALUE\\U00110000"', 1],
    ["x = 1\nb = 'SECRETVALUE\nin string'", 2],
  ])("refuses %j with the line number and without the value", (source, line) => {
    let caught: unknown;
    try {
      parseSecretsPy(source);
    } catch (error) {
      caught = error;
    }
    expect(isVigilError(caught, "E_INVALID_VALUE")).toBe(true);
    expect((caught as Error).message).toMatch(new RegExp(`^line ${line}:`));
    expect((caught as Error).message).not.toContain("SECRETVALUE");
  });

  it("never throws anything but a vigil error and never hangs on hostile input", () => {
    const pieces = fc.constantFrom(
      "a",
      " = ",
      '"',
      "'",
      '"""',
      "'''",
      "\\",
      "\n",
      "\r",
      "#",
      "(",
      ")",
      ";",
      ":",
      "r",
      "f",
      "b",
      "\\x",
      "\\N{",
      "\\U",
      "  ",
      "=",
      "é",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.array(pieces, { maxLength: 80 }).map((p) => p.join("")),
        ),
        (source) => {
          try {
            parseSecretsPy(source);
          } catch (error) {
            expect(isVigilError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
