/*
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints a
 * table per section, and writes docs/benchmarks.md. `--quick` shrinks counts for a smoke run.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, platform, release, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Benchmark, BenchSection } from "./bench-kit.js";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.filter((arg) => !arg.startsWith("--"));

const files = readdirSync(here)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => only.length === 0 || only.includes(file.replace(".bench.ts", "")))
  .sort();

const sections: BenchSection[] = [];
for (const file of files) {
  const module = (await import(join(here, file))) as { default: Benchmark };
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-"));
  process.stderr.write(`== ${file}\n`);
  try {
    const section = await module.default({
      dir,
      quick,
      log: (message) => process.stderr.write(`   ${message}\n`),
    });
    sections.push(section);
    process.stdout.write(renderSection(section));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!quick && only.length === 0) {
  const path = join(here, "..", "docs", "benchmarks.md");
  writeFileSync(path, renderDocument(sections));
  process.stderr.write(`wrote ${path}\n`);
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const memGiB = (totalmem() / 2 ** 30).toFixed(0);
  return `${cpus().length} x ${cpu}, ${memGiB} GiB, ${platform()} ${release()}, Node ${process.version}`;
}

function renderSection(section: BenchSection): string {
  const lines = [
    `\n### ${section.title}\n`,
    "| metric | vigil | peer | ratio | goal | met |",
    "|---|---|---|---|---|---|",
  ];
  for (const row of section.rows) {
    const met = row.met === undefined ? "" : row.met ? "yes" : "no";
    lines.push(
      `| ${row.metric} | ${row.vigil} | ${row.peer ?? ""} | ${row.ratio ?? ""} | ${row.goal ?? ""} | ${met} |`,
    );
  }
  for (const note of section.notes ?? []) lines.push("", `- ${note}`);
  return `${lines.join("\n")}\n`;
}

function renderDocument(all: readonly BenchSection[]): string {
  return [
    "# Benchmarks",
    "",
    "Written by `npm run bench`; every figure was measured in one run on the machine below, with",
    "its peer run side by side on the same data. Ratios compare vigil with that peer.",
    "",
    `Machine: ${machine()}. Run: ${new Date().toISOString()}.`,
    ...all.map(renderSection),
  ].join("\n");
}
