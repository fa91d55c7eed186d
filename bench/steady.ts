// 3. Steady state: a running controller, SealedSecrets created at a fixed rate; latency from the start of each
// create request to the moment its Secret shows up on a watch. p50 and p99 per run; the figure is their median
// over runs.
import { seal } from "../src/index.js";
import type { KeyBundle, SealedSecret } from "../src/index.js";
import { controller, controllerKeys, dropNamespaces, namespace, type BenchCluster } from "./cluster.js";
import type { Row } from "./report.js";
import { figure, percentile } from "./stats.js";
import { watchSecrets } from "./watch.js";

export interface SteadyOptions {
  runs: number;
  rate: number;
  seconds: number;
  workers: number | undefined;
  controllerNodeOptions: string | undefined;
}

const P99_TARGET_MS = 250;

async function sealBatch(bundle: KeyBundle, ns: string, prefix: string, count: number): Promise<SealedSecret[]> {
  const out: SealedSecret[] = [];
  for (let i = 0; i < count; i++) {
    const data = { username: new TextEncoder().encode(`user-${i}`), password: new TextEncoder().encode(`pw-${i}-${"y".repeat(24)}`) };
    out.push(await seal({ name: `${prefix}-${i}`, namespace: ns, data }, bundle.keys, { scope: "strict" }));
  }
  return out;
}

/** Creates `sealed` at `rate` per second (each create starts on schedule, not after the previous one). */
async function createAtRate(cluster: BenchCluster, ns: string, sealed: SealedSecret[], rate: number): Promise<Map<string, number>> {
  const started = new Map<string, number>();
  const pending: Promise<unknown>[] = [];
  const t0 = performance.now();
  for (const [i, body] of sealed.entries()) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    started.set(body.metadata.name ?? "", performance.now());
    pending.push(cluster.custom.createNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace: ns, plural: "sealedsecrets", body }));
  }
  await Promise.all(pending);
  return started;
}

export async function measureSteadyState(cluster: BenchCluster, o: SteadyOptions, progress: (line: string) => void): Promise<Row[]> {
  const controllerNs = await namespace(cluster, "bench-ctl");
  const bundle = await controllerKeys(cluster, controllerNs);
  const ns = await namespace(cluster, "bench-steady");
  const ctl = await controller(cluster, controllerNs, { workers: o.workers, watchNamespaces: [ns], nodeOptions: o.controllerNodeOptions, name: "steady" });
  const p50: number[] = [];
  const p99: number[] = [];
  try {
    await ctl.waitForLog((l) => l.msg === "caches synced, reconciling", "caches synced");
    const count = o.rate * o.seconds;
    for (let run = 0; run < o.runs; run++) {
      progress(`steady state: run ${run + 1}/${o.runs}, ${count} SealedSecrets at ${o.rate}/s`);
      const sealed = await sealBatch(bundle, ns, `run${run}`, count);
      const seen = await watchSecrets(cluster, ns);
      try {
        const started = await createAtRate(cluster, ns, sealed, o.rate);
        await seen.until([...started.keys()], 120_000, `Secrets of run ${run + 1} in ${ns}`);
        const latencies = [...started].map(([name, t]) => (seen.at.get(name) ?? Number.NaN) - t);
        p50.push(percentile(latencies, 50));
        p99.push(percentile(latencies, 99));
      } finally {
        seen.stop();
      }
    }
  } finally {
    await ctl.stop();
    await dropNamespaces(cluster, [ns, controllerNs]);
  }
  const what = `${o.rate}/s for ${o.seconds} s`;
  const p99Figure = figure(p99, "ms");
  return [
    {
      id: "steady-p50",
      measurement: `3a. Steady state (${what}): create → Secret, p50`,
      result: figure(p50, "ms"),
      target: "–",
      informational: true,
    },
    {
      id: "steady-p99",
      measurement: `3b. Steady state (${what}): create → Secret, p99`,
      result: p99Figure,
      target: `p99 < ${P99_TARGET_MS} ms`,
      met: p99Figure.median < P99_TARGET_MS,
    },
  ];
}
