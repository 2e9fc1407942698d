import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isVigilError } from "../../src/errors.js";
import { parseDotenv } from "../../src/integrations/import-dotenv.js";

const values = (text: string) =>
  Object.fromEntries(parseDotenv(text).map((a) => [a.name, a.value]));

describe("parseDotenv", () => {
  it("reads a typical .env file with line numbers", () => {
    const parsed = parseDotenv(
      "# bot settings\n\nexport OPENAI_API_KEY=sk-123\nLINKEDIN_USER = me@example.com # mine\n",
    );
    expect(parsed).toEqual([
      { name: "OPENAI_API_KEY", value: "sk-123", line: 3 },
      { name: "LINKEDIN_USER", value: "me@example.com", line: 4 },
    ]);
  });

  it.each([
    ["A=plain", "plain"],
    ["A=  spaced value  ", "spaced value"],
    ["A=with#hash", "with#hash"],
    ["A=value # comment", "value"],
    ["A=", ""],
    ["A='single $literal \\n'", "single $literal \\n"],
    ['A="double \\n \\t \\" \\\\ \\$"', 'double \n \t " \\ $'],
    ['A="keep \\q"', "keep \\q"],
    ['A="quoted # not comment" # comment', "quoted # not comment"],
    ['A="multi\nline\nvalue"', "multi\nline\nvalue"],
    ["A='multi\nline'", "multi\nline"],
    ["A=$" + "{OTHER}", "$" + "{OTHER}"],
    ["export A=exported", "exported"],
    ["A=first\nA=second", "second"],
    ["A=crlf\r\nB=x", "crlf"],
    ["\uFEFFA=bom", "bom"],
    ["A=a=b=c", "a=b=c"],
    ["  A=indented", "indented"],
  ])("reads %j", (source, expected) => {
    expect(values(source).A).toBe(expected);
  });

  it("counts lines through multiline values", () => {
    const parsed = parseDotenv('A="one\ntwo"\nB=x');
    expect(parsed.find((a) => a.name === "B")?.line).toBe(3);
  });

  it.each([
    ["A", 1],
    ["\n\nnot an assignment", 3],
    ["1A=x", 1],
    ["A B=x", 1],
    ['A="SECRETVALUE', 1],
    ["A='SECRETVALUE\nmore", 1],
    ['A="SECRETVALUE" trailing', 1],
    ['X=1\nA="SECRETVALUE\nend" tail', 3],
  ])("refuses %j with the line number and without the value", (source, line) => {
    let caught: unknown;
    try {
      parseDotenv(source);
    } catch (error) {
      caught = error;
    }
    expect(isVigilError(caught, "E_INVALID_VALUE")).toBe(true);
    expect((caught as Error).message).toMatch(new RegExp(`^line ${line}:`));
    expect((caught as Error).message).not.toContain("SECRETVALUE");
  });

  it("never throws anything but a vigil error and never hangs on hostile input", () => {
    const pieces = fc.constantFrom("A", "=", '"', "'", "\\", "\n", "\r", "#", " ", "export ", "é");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.array(pieces, { maxLength: 80 }).map((p) => p.join("")),
        ),
        (source) => {
          try {
            parseDotenv(source);
          } catch (error) {
            expect(isVigilError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("round-trips values written double-quoted with escapes", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (value) => {
        const escaped = value
          .replace(/\\/g, "\\\\")
          .replace(/"/g, '\\"')
          .replace(/\$/g, "\\$")
          .replace(/\r/g, "\\r")
          .replace(/\n/g, "\\n")
          .replace(/\t/g, "\\t");
        expect(values(`A="${escaped}"`).A).toBe(value);
      }),
    );
  });
});
