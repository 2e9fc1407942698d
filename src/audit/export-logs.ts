import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { VigilError } from "../errors.js";
import { describeIoError, fsyncDirectory } from "../storage/index.js";
import type { AuditRecord } from "./audit-event.js";
import { toCef } from "./cef-format.js";
import { csvHeader, toCsvRow } from "./csv-format.js";
import { toEcs } from "./ecs-format.js";
import { type AuditQuery, streamEvents } from "./query.js";

/** The export formats. */
export const EXPORT_FORMATS = ["json", "jsonl", "csv", "ecs", "cef"] as const;

/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options for {@link exportTrail}. */
export interface ExportOptions extends Pick<AuditQuery, "from" | "to"> {
  /** Default `json` (an array), as in the design. */
  readonly format?: ExportFormat;
  /** Called every 10,000 events with the count so far. */
  readonly onProgress?: (events: number) => void;
  /** Product version written in CEF headers. */
  readonly productVersion?: string;
}

/**
 * Writes the events between `from` and `to` to `path` in `format`. The file is written beside
 * its final name with mode 0600, fsynced, then renamed over it: a reader never sees half an
 * export, and a failure leaves any earlier file untouched. Returns the number of events.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for an unknown format or bad dates; `E_IO`.
 * @example
 * await exportTrail(dir, "audit_2026_02.json", { from: "2026-02-01", to: "2026-02-28" });
 */
export async function exportTrail(
  dir: string,
  path: string,
  options: ExportOptions = {},
): Promise<number> {
  const format = options.format ?? "json";
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `unknown export format "${format}"; use one of ${EXPORT_FORMATS.join(", ")}`,
    );
  }
  const query: AuditQuery = {
    ...(options.from === undefined ? {} : { from: options.from }),
    ...(options.to === undefined ? {} : { to: options.to }),
  };
  const events = streamEvents(dir, query);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, "wx", 0o600);
  } catch (error) {
    throw new VigilError("E_IO", `could not create ${temp} (${describeIoError(error)})`, {
      cause: error,
    });
  }
  let count = 0;
  try {
    const out = new BufferedWriter(fd);
    if (format === "json") out.write("[");
    if (format === "csv") out.write(csvHeader());
    for await (const event of events) {
      out.write(render(event, format, count, options.productVersion ?? "0.1.0"));
      count += 1;
      if (count % 10_000 === 0) options.onProgress?.(count);
    }
    if (format === "json") out.write(count === 0 ? "]\n" : "\n]\n");
    out.flush();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
    fsyncDirectory(dirname(path));
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    unlinkSync(temp);
    if (error instanceof VigilError) throw error;
    throw new VigilError("E_IO", `could not write ${path} (${describeIoError(error)})`, {
      cause: error,
    });
  }
  return count;
}

function render(event: AuditRecord, format: ExportFormat, index: number, version: string): string {
  switch (format) {
    case "json":
      return `${index === 0 ? "\n" : ",\n"}${JSON.stringify(event)}`;
    case "jsonl":
      return `${JSON.stringify(event)}\n`;
    case "csv":
      return toCsvRow(event);
    case "ecs":
      return `${JSON.stringify(toEcs(event))}\n`;
    case "cef":
      return `${toCef(event, version)}\n`;
  }
}

/** Gathers small writes into 1 MiB ones. */
class BufferedWriter {
  #parts: string[] = [];
  #size = 0;

  constructor(readonly fd: number) {}

  write(text: string): void {
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#size >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.#parts.length === 0) return;
    writeSync(this.fd, this.#parts.join(""));
    this.#parts = [];
    this.#size = 0;
  }
}
