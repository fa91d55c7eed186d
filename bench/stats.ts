// Figures and side-by-side comparisons. Absolute times on a shared machine drift, so every figure is a median over
// repeated runs (with min and max), and every comparison is a ratio taken inside one run, subject and reference
// measured back to back, with the order alternating from run to run.

/** A median over runs, with the spread. `samples` are the per-run values, in run order. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  unit: string;
  samples: number[];
}

export function figure(samples: readonly number[], unit: string): Figure {
  if (samples.length === 0) throw new Error("figure(): no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0, unit, samples: [...samples] };
}

/** The p-th percentile (0..100) of `values`, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile(): no values");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * Runs every contender once per run, in an order that rotates from run to run (so neither side always goes first
 * on a warmer or colder machine), after one discarded warm-up round. Returns each contender's per-run values.
 */
export async function interleaved<K extends string>(
  runs: number,
  contenders: Record<K, () => Promise<number>>,
  options: { warmUp?: boolean; onRun?: (run: number) => void } = {},
): Promise<Record<K, number[]>> {
  const names = Object.keys(contenders) as K[];
  const values = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  if (options.warmUp ?? true) for (const name of names) await contenders[name]();
  for (let run = 0; run < runs; run++) {
    options.onRun?.(run);
    const order = names.map((_, i) => names[(i + run) % names.length] as K);
    for (const name of order) values[name].push(await contenders[name]());
  }
  return values;
}

/** Per-run ratios a[i] / b[i] of two interleaved series. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x / (b[i] ?? Number.NaN));
}

/** Milliseconds since `start` (a process.hrtime.bigint() value). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
