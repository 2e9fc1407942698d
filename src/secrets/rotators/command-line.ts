import { VigilError } from "../../errors.js";

/**
 * Splits a command line into an executable and its arguments without a shell: words are
 * separated by whitespace, and single or double quotes group a word (`\` escapes the next
 * character outside single quotes). No expansion of `$`, globs or pipes happens, so a value or a
 * name can never be interpreted as shell syntax.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for an empty line or an unclosed quote.
 * @example
 * splitCommandLine(`./rotate.sh --account "bot one"`); // ["./rotate.sh", "--account", "bot one"]
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;

  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (char === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }

  if (quote !== undefined) {
    throw new VigilError("E_INVALID_ARGUMENT", "the command line has an unclosed quote");
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw new VigilError("E_INVALID_ARGUMENT", "the command line is empty");
  return words;
}

/**
 * The inverse of {@link splitCommandLine}: words that need it are single-quoted.
 *
 * @example
 * joinCommandLine(["./rotate.sh", "bot one"]); // "./rotate.sh 'bot one'"
 */
export function joinCommandLine(words: readonly string[]): string {
  return words
    .map((word) =>
      /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`,
    )
    .join(" ");
}
