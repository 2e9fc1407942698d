import { closeSync, openSync } from "node:fs";
import { ReadStream, WriteStream } from "node:tty";
import { VigilError } from "../errors.js";

/** Reads all of standard input as UTF-8 and drops one trailing newline. */
export async function readStdinText(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/**
 * Asks for a secret on the controlling terminal without echoing it. Reads `/dev/tty` rather
 * than stdin so that a value can be piped while the password is typed.
 *
 * @throws {VigilError} `E_LOCKED` when there is no terminal to ask on.
 */
export async function promptHidden(question: string): Promise<string> {
  let fd: number;
  try {
    fd = openSync("/dev/tty", "r+");
  } catch (error) {
    throw new VigilError(
      "E_LOCKED",
      "no terminal to prompt on; set VAULT_MASTER_PASSWORD or pipe the value on stdin",
      { cause: error },
    );
  }
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  try {
    return await readHiddenLine(input, output, question);
  } finally {
    input.setRawMode(false);
    input.destroy();
    output.destroy();
    try {
      closeSync(fd);
    } catch {
      // The streams may have closed the descriptor already.
    }
  }
}

function readHiddenLine(input: ReadStream, output: WriteStream, question: string): Promise<string> {
  // Echo goes off before the question appears, so an answer typed (or pasted) the instant the
  // prompt shows is never echoed by the terminal.
  input.setRawMode(true);
  output.write(question);
  return new Promise((resolve, reject) => {
    let typed = "";
    input.on("data", (data: Buffer) => {
      for (const char of data.toString("utf8")) {
        if (char === "\r" || char === "\n") {
          output.write("\n");
          resolve(typed);
          return;
        }
        if (char === "\u0003") {
          output.write("\n");
          reject(new VigilError("E_USAGE", "interrupted"));
          return;
        }
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else typed += char;
      }
    });
  });
}

/** Asks twice and insists that both answers match (for new passwords and new values). */
export async function promptHiddenTwice(question: string, what: string): Promise<string> {
  const first = await promptHidden(question);
  const second = await promptHidden("Repeat to confirm: ");
  if (first !== second) throw new VigilError("E_INVALID_VALUE", `the two ${what} did not match`);
  return first;
}

/** True when colour may be used on stdout (a TTY and NO_COLOR unset). */
export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

/** Prints a value as JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows as an aligned text table on stdout. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(headers)}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

/** A diagnostic line on stderr (never results, never secrets). */
export function warn(message: string): void {
  process.stderr.write(`vigil: ${message}\n`);
}
