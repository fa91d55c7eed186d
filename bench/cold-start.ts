// 2. Controller cold start: N SealedSecrets exist, the controller process starts; the time until every Secret exists
// and every SealedSecret is Ready. The floor: a plain client creating the same N Secrets with the controller's
// concurrency (its --workers) on the same API server. Subject and floor alternate which goes first.
// 4. Controller memory: resident set size of the controller right when its cold start is done.
import { parseFlags } from "../controller/flags.js";
import { seal } from "../src/index.js";
import type { KeyBundle, SealedSecret } from "../src/index.js";
import { controller, controllerKeys, dropNamespaces, namespace, rssMb, type BenchCluster } from "./cluster.js";
import { forEachConcurrently } from "./pool.js";
import type { Row } from "./report.js";
import { figure, ratios } from "./stats.js";
import { watchReady, watchSecrets } from "./watch.js";

export interface ColdStartOptions {
  n: number[];
  runs: number;
  workers: number | undefined;
  profile: string | undefined;
  controllerNodeOptions: string | undefined;
}

const RSS_TARGET_N = 10_000;
export const SETUP_CONCURRENCY = 16;

/** The plaintext of object i: two values, as a typical database credential. */
function valuesOf(i: number): Record<string, string> {
  return { username: `app-user-${i}`, password: `p-${i}-${"x".repeat(24)}` };
}

export async function sealAll(bundle: KeyBundle, ns: string, n: number): Promise<SealedSecret[]> {
  const sealed: SealedSecret[] = [];
  for (let i = 0; i < n; i++) {
    const data = Object.fromEntries(Object.entries(valuesOf(i)).map(([k, v]) => [k, new TextEncoder().encode(v)]));
    // The whole bundle, as `kubectl seal` uses it: a bundle with both key types seals to its post-quantum keys.
    sealed.push(await seal({ name: `app-${i}`, namespace: ns, data }, bundle.keys, { scope: "strict" }));
  }
  return sealed;
}

/** Deletes namespaces and waits until they are gone, so the next run does not share the API server with the GC. */
export async function cleanUp(cluster: BenchCluster, names: string[]): Promise<void> {
  await dropNamespaces(cluster, names);
  const deadline = Date.now() + 600_000;
  for (const name of names) {
    while (Date.now() < deadline) {
      const gone = await cluster.core.readNamespace({ name }).then(() => false, () => true);
      if (gone) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function floorRun(cluster: BenchCluster, n: number, concurrency: number): Promise<number> {
  const ns = await namespace(cluster, "bench-floor");
  const bodies = Array.from({ length: n }, (_, i) => ({
    metadata: { name: `app-${i}`, namespace: ns },
    type: "Opaque",
    data: Object.fromEntries(Object.entries(valuesOf(i)).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  }));
  const start = performance.now();
  await forEachConcurrently(bodies, concurrency, async (body) => {
    await cluster.core.createNamespacedSecret({ namespace: ns, body });
  });
  const elapsed = performance.now() - start;
  await cleanUp(cluster, [ns]);
  return elapsed;
}

async function controllerRun(
  cluster: BenchCluster,
  controllerNs: string,
  bundle: KeyBundle,
  n: number,
  workers: number | undefined,
  profileDir: string | undefined,
  nodeOptions: string | undefined,
): Promise<{ ms: number; rss: number | undefined; memory: string }> {
  const ns = await namespace(cluster, "bench-cold");
  const sealed = await sealAll(bundle, ns, n);
  await forEachConcurrently(sealed, SETUP_CONCURRENCY, async (body) => {
    await cluster.custom.createNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace: ns, plural: "sealedsecrets", body });
  });
  const secrets = await watchSecrets(cluster, ns);
  const ready = await watchReady(cluster, ns);
  const timeoutMs = Math.max(180_000, n * 60);
  const start = performance.now();
  const ctl = await controller(cluster, controllerNs, { workers, watchNamespaces: [ns], profileDir, nodeOptions, name: `cold-start-${n}` });
  try {
    const names = sealed.map((s) => s.metadata.name ?? "");
    await Promise.all([secrets.until(names, timeoutMs, `${n} Secrets in ${ns}`), ready.until(names, timeoutMs, `${n} Ready SealedSecrets in ${ns}`)]);
    const done = Math.max(...secrets.at.values(), ...ready.at.values());
    return { ms: done - start, rss: await rssMb(ctl.child.pid), memory: await memoryBreakdown(ctl) };
  } finally {
    secrets.stop();
    ready.stop();
    await ctl.stop();
    await cleanUp(cluster, [ns]);
  }
}

/** Where the controller's memory is, from its own /metrics (prom-client's default Node metrics). */
async function memoryBreakdown(ctl: { http(path: string): Promise<{ body: string }> }): Promise<string> {
  const { body } = await ctl.http("/metrics").catch(() => ({ body: "" }));
  const mb = (name: string) => {
    const value = new RegExp(`^seal_controller_${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(body)?.[1];
    return value === undefined ? "?" : `${Math.round(Number(value) / 2 ** 20)} MB`;
  };
  return `V8 heap used ${mb("nodejs_heap_size_used_bytes")} of ${mb("nodejs_heap_size_total_bytes")}, external ${mb("nodejs_external_memory_bytes")}`;
}

export async function measureColdStart(cluster: BenchCluster, o: ColdStartOptions, progress: (line: string) => void): Promise<Row[]> {
  const workers = o.workers ?? parseFlags([], {}).workers;
  const controllerNs = await namespace(cluster, "bench-ctl");
  const bundle = await controllerKeys(cluster, controllerNs);
  const rows: Row[] = [];
  let rss: { n: number; values: number[]; memory: string } | undefined;
  for (const n of o.n) {
    const subject: number[] = [];
    const floor: number[] = [];
    const rssValues: number[] = [];
    let memory = "";
    for (let run = 0; run < o.runs; run++) {
      progress(`cold start N=${n}: run ${run + 1}/${o.runs}`);
      const both = [
        async () => {
          const r = await controllerRun(cluster, controllerNs, bundle, n, o.workers, run === 0 ? o.profile : undefined, o.controllerNodeOptions);
          subject.push(r.ms);
          if (r.rss !== undefined) rssValues.push(r.rss);
          memory = r.memory;
        },
        async () => void floor.push(await floorRun(cluster, n, workers)),
      ];
      for (const step of run % 2 === 0 ? both : both.reverse()) await step();
    }
    const ratio = figure(ratios(subject, floor), "×");
    rows.push({
      id: `cold-start-${n}`,
      measurement: `2. Controller cold start, N=${n.toLocaleString("en-US")}`,
      result: figure(subject.map((ms) => ms / 1000), "s"),
      reference: { what: `plain client, ${workers} in parallel`, figure: figure(floor.map((ms) => ms / 1000), "s") },
      ratio: { what: "controller ÷ floor", figure: ratio },
      target: "≤ 1.3× the floor",
      met: ratio.median <= 1.3,
    });
    if (rssValues.length > 0 && (rss === undefined || n > rss.n)) rss = { n, values: rssValues, memory };
  }
  await cleanUp(cluster, [controllerNs]);
  if (rss === undefined) {
    rows.push({ id: "controller-rss", measurement: "4. Controller RSS after cold start", target: `< 250 MB at N=${RSS_TARGET_N.toLocaleString("en-US")}`, note: "not measured: /proc not available" });
    return rows;
  }
  const value = figure(rss.values, "MB");
  const atTarget = rss.n >= RSS_TARGET_N;
  rows.push({
    id: "controller-rss",
    measurement: `4. Controller RSS after cold start, N=${rss.n.toLocaleString("en-US")}`,
    result: value,
    target: `< 250 MB at N=${RSS_TARGET_N.toLocaleString("en-US")}`,
    ...(atTarget
      ? { met: value.median < 250, note: `last run: ${rss.memory}` }
      : { note: `not measured at N=${RSS_TARGET_N.toLocaleString("en-US")} (this run: N=${rss.n}); run with --n ${RSS_TARGET_N}; last run: ${rss.memory}` }),
  });
  return rows;
}
