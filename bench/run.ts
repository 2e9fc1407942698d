/*
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints a
 * table per section, and, on a full unfiltered run, writes docs/benchmarks.md with the machine
 * described. `--quick` shrinks counts for a smoke run and never writes the document.
 *
 * A full run is meant to finish in about 15 minutes on the project's 2-core machine; each
 * section's time is printed and written, and the run warns when the total goes over budget.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, release, tmpdir, totalmem, version } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Benchmark, BenchRow, BenchSection } from "./bench-kit.js";

const BUDGET_SECONDS = 15 * 60;
/** Physical references first, then the modules, then the outside peers. */
const ORDER = ["machine", "vault", "audit", "agent", "peers", "monitor", "run-import"];

interface TimedSection {
  readonly name: string;
  readonly section: BenchSection;
  readonly seconds: number;
  readonly failed: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.filter((arg) => !arg.startsWith("--"));

const names = readdirSync(here)
  .filter((file) => file.endsWith(".bench.ts"))
  .map((file) => file.replace(".bench.ts", ""))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const unknown = only.filter((name) => !names.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`no bench file named ${unknown.join(", ")} (bench/<name>.bench.ts)\n`);
  process.exit(2);
}

const runStart = performance.now();
const results: TimedSection[] = [];
for (const name of names) {
  results.push(await runSection(name));
  const last = results.at(-1);
  if (last) process.stdout.write(renderSection(last));
}
const totalSeconds = (performance.now() - runStart) / 1000;

process.stdout.write(`\n${renderSummary(results, totalSeconds)}\n`);
if (totalSeconds > BUDGET_SECONDS && !quick) {
  process.stderr.write(
    `warning: the run took ${formatSeconds(totalSeconds)}, over its ${BUDGET_SECONDS / 60}-minute budget; shrink the slowest section's counts\n`,
  );
}
const failed = results.filter((result) => result.failed);
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.map((result) => result.name).join(", ")}\n`);
  process.exitCode = 1;
} else if (!quick && only.length === 0) {
  const path = join(here, "..", "docs", "benchmarks.md");
  writeFileSync(path, renderDocument(results, totalSeconds));
  process.stderr.write(`wrote ${path}\n`);
}

function rank(name: string): number {
  const index = ORDER.indexOf(name);
  return index === -1 ? ORDER.length : index;
}

/** Runs one bench file in its own temp folder; a failure becomes a section that says so. */
async function runSection(name: string): Promise<TimedSection> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-"));
  const start = performance.now();
  process.stderr.write(`== ${name}\n`);
  try {
    const module = (await import(join(here, `${name}.bench.ts`))) as { default: Benchmark };
    const section = await module.default({
      dir,
      quick,
      log: (message) => process.stderr.write(`   ${message}\n`),
    });
    const seconds = (performance.now() - start) / 1000;
    process.stderr.write(`   (${formatSeconds(seconds)})\n`);
    return { name, section, seconds, failed: false };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`   FAILED: ${message}\n`);
    const section = { title: name, rows: [], notes: [`failed: ${firstLine(message)}`] };
    return { name, section, seconds: (performance.now() - start) / 1000, failed: true };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

function formatSeconds(seconds: number): string {
  return seconds < 120 ? `${seconds.toFixed(1)} s` : `${(seconds / 60).toFixed(1)} min`;
}

function cell(text: string | undefined): string {
  return text === undefined || text === "" ? "—" : text.replaceAll("|", "\\|");
}

function metCell(row: BenchRow): string {
  if (row.met === undefined) return "—";
  return row.met ? "yes" : "**no**";
}

function renderSection(result: TimedSection): string {
  const { section } = result;
  const lines = [
    `\n## ${section.title}\n`,
    "| metric | vigil | peer | ratio | goal | met |",
    "|---|---|---|---|---|---|",
    ...section.rows.map(
      (row) =>
        `| ${cell(row.metric)} | ${cell(row.vigil)} | ${cell(row.peer)} | ${cell(row.ratio)} | ${cell(row.goal)} | ${metCell(row)} |`,
    ),
  ];
  const notes = [...(section.notes ?? []), `Section time: ${formatSeconds(result.seconds)}.`];
  lines.push("", ...notes.map((note) => `- ${note}`));
  return `${lines.join("\n")}\n`;
}

/** One line per section: how many rows have a peer and a goal, how many goals were met. */
function renderSummary(all: readonly TimedSection[], seconds: number): string {
  const lines = [
    "| section | rows | with a peer | goals met | time |",
    "|---|---|---|---|---|",
    ...all.map(({ section, seconds: taken, failed }) => {
      const rows = section.rows;
      const goals = rows.filter((row) => row.met !== undefined);
      const met = goals.filter((row) => row.met === true).length;
      return `| ${section.title}${failed ? " (FAILED)" : ""} | ${rows.length} | ${rows.filter((row) => row.peer !== undefined).length} | ${met} of ${goals.length} | ${formatSeconds(taken)} |`;
    }),
  ];
  lines.push("", `Total: ${formatSeconds(seconds)} (budget ${BUDGET_SECONDS / 60} min).`);
  return lines.join("\n");
}

function commandOutput(command: string, commandArgs: readonly string[]): string | undefined {
  const run = spawnSync(command, commandArgs, { encoding: "utf8" });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/** The disk under the temp folder, where every section's files live. */
function describeDisk(): string {
  const mount = commandOutput("findmnt", ["-no", "SOURCE,FSTYPE,SIZE", "-T", tmpdir()]);
  if (mount === undefined) return "unknown";
  const [source = "", fsType = "", size = ""] = mount.split(/\s+/);
  const device = source.replace(/^\/dev\//, "").replace(/\d+$/, "");
  let kind = "";
  try {
    const rotational = readFileSync(`/sys/block/${device}/queue/rotational`, "utf8").trim();
    const virtual = device.startsWith("vd") ? "virtio block device, " : "";
    kind = ` (${virtual}reports ${rotational === "1" ? "rotational" : "non-rotational"})`;
  } catch {
    // Not a whole block device (a partition of one, tmpfs, overlay): say no more than we know.
  }
  return `${source} ${fsType}, ${size}${kind}, holding ${tmpdir()}`;
}

function describeMachine(): string[] {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return [
    `- CPU: ${cpu}, ${availableParallelism()} cores`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Disk: ${describeDisk()}`,
    `- Kernel: Linux ${release()} (${version()})`,
    `- OS: ${osName()}`,
    `- Node: ${process.version}`,
  ];
}

function osName(): string {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

function renderDocument(all: readonly TimedSection[], seconds: number): string {
  return [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (do not edit by hand): every figure below was measured in one",
    `run, ${new Date().toISOString()}, on the machine described here.`,
    "",
    ...describeMachine(),
    "",
    "## How to read this",
    "",
    "Each row measures one vigil operation (**vigil**) beside a **peer** doing the same job on the",
    "same data in the same run: a bare primitive of this machine (fsync, AES-GCM, SHA-256), a",
    "tool people use instead (pino, jq, `pass`, `keepassxc-cli`, Python's Fernet) or the same",
    "operation without vigil's extra work. The **ratio** says how vigil compares (lower time is",
    "better; `+x ms` is time added). A **goal** is what the project promised for that row and",
    "**met** says whether this run met it; a dash means the row has no peer or no goal. Figures",
    "move between runs on a shared machine by 10-30% (fsync p99 by more): read the ratios, which",
    "both sides share, before the absolute numbers. p50/p99 are the median and 99th percentile",
    "of the samples; throughput rows keep the best of several rounds.",
    "",
    "## Summary",
    "",
    renderSummary(all, seconds),
    ...all.map(renderSection),
  ].join("\n");
}
