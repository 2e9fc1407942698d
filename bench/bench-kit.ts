import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One measured figure, with its peer where there is one. */
export interface BenchRow {
  readonly metric: string;
  readonly vigil: string;
  readonly peer?: string;
  /** How vigil compares, e.g. "1.6x faster" or "0.8x". */
  readonly ratio?: string;
  readonly goal?: string;
  readonly met?: boolean;
}

/** A benchmark file's result: one section of docs/benchmarks.md. */
export interface BenchSection {
  readonly title: string;
  readonly rows: readonly BenchRow[];
  readonly notes?: readonly string[];
}

/** What the harness hands each benchmark. */
export interface BenchContext {
  /** A fresh temporary folder, removed after the benchmark. */
  readonly dir: string;
  /** Smaller counts for a quick run (`npm run bench -- --quick`). */
  readonly quick: boolean;
  log(message: string): void;
}

/** A benchmark module's default export. */
export type Benchmark = (context: BenchContext) => Promise<BenchSection>;

/** Percentile (0-100) of an unsorted sample, in the sample's unit. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Times `operation` `count` times; returns each duration in microseconds. */
export async function sampleMicros(
  count: number,
  operation: (index: number) => unknown,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await operation(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return samples;
}

/** Formats a duration given in microseconds with a sensible unit. */
export function formatMicros(us: number): string {
  if (us < 1000) return `${us.toFixed(us < 10 ? 2 : 1)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(2)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** "2.3x faster" / "1.4x slower" for two durations (lower is better). */
export function compareDurations(vigil: number, peer: number): string {
  if (vigil <= peer) return `${(peer / vigil).toFixed(1)}x faster`;
  return `${(vigil / peer).toFixed(1)}x slower`;
}

/** Runs `work` in a temporary folder that is removed afterwards. */
export async function inTempDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
