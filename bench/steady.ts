// 3. Steady state: a running controller, SealedSecrets created at a fixed rate; latency from the start of each
// create request to the moment its Secret shows up on a watch. p50 and p99 per run; the figure is their median
// over runs. Side by side with the real incumbent: Bitnami's own controller (best settings) runs on the same API
// server, each run makes one batch for each controller, in an order that alternates by run.
import { readFileSync } from "node:fs";
import { seal } from "../src/index.js";
import type { KeyBundle, SealedSecret } from "../src/index.js";
import { bitnamiController, createBitnamiSealed, sealBitnami } from "./bitnami.js";
import { controller, controllerKeys, dropNamespaces, namespace, type BenchCluster } from "./cluster.js";
import type { Row } from "./report.js";
import { figure, interleaved, percentile, ratios } from "./stats.js";
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

/** Calls `create(i)` for every name at `rate` per second (each starts on schedule, not after the previous one). */
async function createAtRate(names: readonly string[], rate: number, create: (i: number) => Promise<unknown>): Promise<Map<string, number>> {
  const started = new Map<string, number>();
  const pending: Promise<unknown>[] = [];
  const t0 = performance.now();
  for (const [i, name] of names.entries()) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    started.set(name, performance.now());
    pending.push(create(i));
  }
  await Promise.all(pending);
  return started;
}

/** One batch: creates at `rate`, waits for every Secret on a watch; p50 and p99 of create → Secret. */
async function batch(cluster: BenchCluster, ns: string, names: readonly string[], rate: number, create: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const seen = await watchSecrets(cluster, ns);
  try {
    const started = await createAtRate(names, rate, create);
    // Only against a hang: a controller that falls behind the rate catches up late, and that is its p99.
    await seen.until(names, Math.max(120_000, names.length * 500), `${names.length} Secrets in ${ns}`);
    const latencies = [...started].map(([name, t]) => (seen.at.get(name) ?? Number.NaN) - t);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    seen.stop();
  }
}

const CUSTOM = { group: "seal.dev", version: "v1alpha1", plural: "sealedsecrets" } as const;

export async function measureSteadyState(cluster: BenchCluster, o: SteadyOptions, progress: (line: string) => void): Promise<Row[]> {
  const controllerNs = await namespace(cluster, "bench-ctl");
  const bundle = await controllerKeys(cluster, controllerNs);
  const ns = await namespace(cluster, "bench-steady");
  const bitnamiNs = await namespace(cluster, "bench-bitnami", false);
  const bitnamiAppNs = await namespace(cluster, "bench-bitnami-steady");
  const ctl = await controller(cluster, controllerNs, { workers: o.workers, watchNamespaces: [ns], nodeOptions: o.controllerNodeOptions, name: "steady" });
  const p50 = { ours: [] as number[], bitnami: [] as number[] };
  try {
    const bitnami = await bitnamiController(cluster, bitnamiNs, "best");
    try {
      await ctl.waitForLog((l) => l.msg === "caches synced, reconciling", "caches synced");
      const cert = readFileSync(bitnami.certFile, "utf8");
      const values = (i: number) => ({ username: `user-${i}`, password: `pw-${i}-${"y".repeat(24)}` });
      // Bitnami's controller logs nothing when its caches are synced: one object through it shows it is working.
      await batch(cluster, bitnamiAppNs, ["warm-up"], o.rate, () => createBitnamiSealed(cluster, bitnamiAppNs, sealBitnami(cert, bitnamiAppNs, "warm-up", values(0))));
      const count = o.rate * o.seconds;
      let run = 0;
      const p99 = await interleaved(
        o.runs,
        {
          ours: async () => {
            const sealed = await sealBatch(bundle, ns, `run${run}`, count);
            const r = await batch(cluster, ns, sealed.map((s) => s.metadata.name ?? ""), o.rate, (i) =>
              cluster.custom.createNamespacedCustomObject({ ...CUSTOM, namespace: ns, body: sealed[i] }));
            p50.ours.push(r.p50);
            return r.p99;
          },
          bitnami: async () => {
            const names = Array.from({ length: count }, (_, i) => `run${run}-${i}`);
            const sealed = names.map((name, i) => sealBitnami(cert, bitnamiAppNs, name, values(i)));
            const r = await batch(cluster, bitnamiAppNs, names, o.rate, (i) => createBitnamiSealed(cluster, bitnamiAppNs, sealed[i] ?? {}));
            p50.bitnami.push(r.p50);
            return r.p99;
          },
        },
        { warmUp: false, onRun: (r) => progress(`steady state: run ${(run = r) + 1}/${o.runs}, ${count} SealedSecrets at ${o.rate}/s for each controller`) },
      );
      return steadyRows(o, p50, p99);
    } finally {
      await bitnami.stop();
    }
  } finally {
    await ctl.stop();
    await dropNamespaces(cluster, [ns, controllerNs, bitnamiAppNs, bitnamiNs]);
  }
}

function steadyRows(o: SteadyOptions, p50: { ours: number[]; bitnami: number[] }, p99: { ours: number[]; bitnami: number[] }): Row[] {
  const what = `${o.rate}/s for ${o.seconds} s`;
  const p99Figure = figure(p99.ours, "ms");
  const vsBitnami = figure(ratios(p99.ours, p99.bitnami), "×");
  const bitnami = "Bitnami, best settings";
  return [
    {
      id: "steady-p50",
      measurement: `3a. Steady state (${what}): create → Secret, p50`,
      result: figure(p50.ours, "ms"),
      reference: { what: bitnami, figure: figure(p50.bitnami, "ms") },
      ratio: { what: "ours ÷ Bitnami", figure: figure(ratios(p50.ours, p50.bitnami), "×") },
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
    {
      id: "steady-p99-vs-bitnami",
      measurement: `3c. Steady state (${what}): create → Secret, p99 against the real Bitnami`,
      result: p99Figure,
      reference: { what: bitnami, figure: figure(p99.bitnami, "ms") },
      ratio: { what: "ours ÷ Bitnami", figure: vsBitnami },
      target: "≤ 1× Bitnami",
      met: vsBitnami.median <= 1,
    },
  ];
}
