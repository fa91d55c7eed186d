// 2. Controller cold start: N SealedSecrets exist, the controller process starts; the time until every Secret exists
// and every SealedSecret is Ready. The floor: a plain client creating the same N Secrets with the controller's
// concurrency (its --workers) on the same API server. Subject and floor alternate which goes first.
// 4. Controller memory: resident set size of the controller right when its cold start is done.
// Side by side with the real incumbent: Bitnami's own controller (bitnami.ts) does the same cold start on the same
// API server, the same N objects sealed to its key, at its best settings (its client's rate limit lifted) and, at
// one size (--bitnami-defaults-n), at its defaults. All contenders of a size take turns, the order rotating by run.
import { readFileSync } from "node:fs";
import { parseFlags } from "../controller/flags.js";
import { seal } from "../src/index.js";
import type { KeyBundle, SealedSecret } from "../src/index.js";
import { bitnamiController, createBitnamiSealed, sealBitnami, watchSynced, type BitnamiSettings } from "./bitnami.js";
import { controller, controllerKeys, dropNamespaces, namespace, rssMb, type BenchCluster } from "./cluster.js";
import { forEachConcurrently } from "./pool.js";
import type { Row } from "./report.js";
import { figure, interleaved, ratios, type Figure } from "./stats.js";
import { watchReady, watchSecrets } from "./watch.js";

export interface ColdStartOptions {
  n: number[];
  runs: number;
  workers: number | undefined;
  profile: string | undefined;
  controllerNodeOptions: string | undefined;
  /** The one size at which Bitnami's controller also runs at its defaults (0: not at all). */
  bitnamiDefaultsN: number;
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
  const timeoutMs = Math.max(180_000, n * 200); // only against a hang: a loaded machine may take 50 ms an object
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

/** Bitnami's controller starting on N of its SealedSecrets: the same timing as controllerRun (Secrets and status). */
async function bitnamiRun(cluster: BenchCluster, keyNs: string, cert: string, n: number, settings: BitnamiSettings): Promise<{ ms: number; rss: number | undefined }> {
  const ns = await namespace(cluster, "bench-bitnami-cold");
  const sealed = Array.from({ length: n }, (_, i) => sealBitnami(cert, ns, `app-${i}`, valuesOf(i)));
  await forEachConcurrently(sealed, SETUP_CONCURRENCY, async (body) => void (await createBitnamiSealed(cluster, ns, body)));
  const secrets = await watchSecrets(cluster, ns);
  const synced = await watchSynced(cluster, ns);
  // At its defaults its client makes 5 requests/s and a SealedSecret costs it four (get, create, Event, status).
  const timeoutMs = Math.max(180_000, n * (settings === "defaults" ? 1_500 : 200));
  try {
    const ctl = await bitnamiController(cluster, keyNs, settings);
    try {
      const names = sealed.map((_, i) => `app-${i}`);
      await Promise.all([secrets.until(names, timeoutMs, `${n} Secrets in ${ns}`), synced.until(names, timeoutMs, `${n} Synced SealedSecrets in ${ns}`)]);
      const done = Math.max(...secrets.at.values(), ...synced.at.values());
      return { ms: done - ctl.startedAt, rss: await rssMb(ctl.pid) };
    } finally {
      await ctl.stop();
    }
  } finally {
    secrets.stop();
    synced.stop();
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

/** Runs Bitnami's controller once so it makes its sealing key; returns the key's certificate (PEM). */
async function bitnamiCert(cluster: BenchCluster, keyNs: string): Promise<string> {
  const first = await bitnamiController(cluster, keyNs, "best");
  try {
    return readFileSync(first.certFile, "utf8");
  } finally {
    await first.stop();
  }
}

const thousands = (n: number) => n.toLocaleString("en-US");
const seconds = (ms: number[]) => figure(ms.map((v) => v / 1000), "s");

export async function measureColdStart(cluster: BenchCluster, o: ColdStartOptions, progress: (line: string) => void): Promise<Row[]> {
  const workers = o.workers ?? parseFlags([], {}).workers;
  const controllerNs = await namespace(cluster, "bench-ctl");
  const bundle = await controllerKeys(cluster, controllerNs);
  const bitnamiNs = await namespace(cluster, "bench-bitnami", false);
  const cert = await bitnamiCert(cluster, bitnamiNs);
  const rows: Row[] = [];
  let rss: { n: number; ours: number[]; bitnami: number[]; memory: string } | undefined;
  const sizes = [...new Set([...o.n, ...(o.bitnamiDefaultsN > 0 ? [o.bitnamiDefaultsN] : [])])].sort((a, b) => a - b);
  for (const n of sizes) {
    const atBest = o.n.includes(n);
    const ours = { rss: [] as number[], memory: "", runs: 0 };
    const bitnamiRss: number[] = [];
    const contenders: Record<string, () => Promise<number>> = {
      ours: async () => {
        const profile = ours.runs++ === 0 ? o.profile : undefined; // one profile per size
        const r = await controllerRun(cluster, controllerNs, bundle, n, o.workers, profile, o.controllerNodeOptions);
        if (r.rss !== undefined) ours.rss.push(r.rss);
        ours.memory = r.memory;
        return r.ms;
      },
      floor: () => floorRun(cluster, n, workers),
    };
    if (atBest) {
      contenders["bitnami"] = async () => {
        const r = await bitnamiRun(cluster, bitnamiNs, cert, n, "best");
        if (r.rss !== undefined) bitnamiRss.push(r.rss);
        return r.ms;
      };
    }
    if (n === o.bitnamiDefaultsN) contenders["bitnamiDefaults"] = async () => (await bitnamiRun(cluster, bitnamiNs, cert, n, "defaults")).ms;
    const ms = await interleaved(o.runs, contenders, { warmUp: false, onRun: (run) => progress(`cold start N=${n}: run ${run + 1}/${o.runs} (${Object.keys(contenders).join(", ")}, rotating)`) });
    const subject = ms["ours"] ?? [];
    const floor = ms["floor"] ?? [];
    const floorFigure = { what: `plain client, ${workers} in parallel`, figure: seconds(floor) };
    if (atBest) {
      const ratio = figure(ratios(subject, floor), "×");
      rows.push({
        id: `cold-start-${n}`,
        measurement: `2. Controller cold start, N=${thousands(n)}`,
        result: seconds(subject),
        reference: floorFigure,
        ratio: { what: "controller ÷ floor", figure: ratio },
        target: "≤ 1.3× the floor",
        met: ratio.median <= 1.3,
      });
      rows.push(...bitnamiRows(`cold-start-bitnami-${n}`, `N=${thousands(n)}`, subject, ms["bitnami"] ?? [], floor, floorFigure));
      if (ours.rss.length > 0 && bitnamiRss.length === ours.rss.length && (rss === undefined || n > rss.n)) rss = { n, ours: ours.rss, bitnami: bitnamiRss, memory: ours.memory };
    }
    if (ms["bitnamiDefaults"] !== undefined) {
      const defaults = ms["bitnamiDefaults"];
      rows.push({
        id: `cold-start-bitnami-defaults-${n}`,
        measurement: `2. Bitnami's controller at its defaults (5 requests/s), cold start, N=${thousands(n)}`,
        result: seconds(defaults),
        reference: { what: "ours", figure: seconds(subject) },
        ratio: { what: "ours ÷ Bitnami", figure: figure(ratios(subject, defaults), "×") },
        target: "– (compared at its best above)",
        informational: true,
      });
    }
  }
  await cleanUp(cluster, [controllerNs, bitnamiNs]);
  return [...rows, ...rssRows(rss)];
}

/** Bitnami at its best settings next to the floor, and ours against it (the target). */
function bitnamiRows(id: string, size: string, ours: number[], bitnami: number[], floor: number[], floorFigure: { what: string; figure: Figure }): Row[] {
  const vsBitnami = figure(ratios(ours, bitnami), "×");
  return [
    {
      id,
      measurement: `2. Bitnami's controller (best settings: --kubeclient-qps=-1) cold start, ${size}`,
      result: seconds(bitnami),
      reference: floorFigure,
      ratio: { what: "Bitnami ÷ floor", figure: figure(ratios(bitnami, floor), "×") },
      target: "–",
      informational: true,
    },
    {
      id: `cold-start-vs-bitnami-${id.slice("cold-start-bitnami-".length)}`,
      measurement: `2. Controller cold start against the real Bitnami, ${size}`,
      result: seconds(ours),
      reference: { what: "Bitnami, best settings", figure: seconds(bitnami) },
      ratio: { what: "ours ÷ Bitnami", figure: vsBitnami },
      target: "≤ 1× Bitnami",
      met: vsBitnami.median <= 1,
    },
  ];
}

function rssRows(rss: { n: number; ours: number[]; bitnami: number[]; memory: string } | undefined): Row[] {
  const target = `< 250 MB at N=${thousands(RSS_TARGET_N)}`;
  const vsTarget = `≤ 1× Bitnami at N=${thousands(RSS_TARGET_N)}`;
  if (rss === undefined) {
    const why = "not measured: /proc not available";
    return [
      { id: "controller-rss", measurement: "4. Controller RSS after cold start", target, note: why },
      { id: "controller-rss-vs-bitnami", measurement: "4. Controller RSS after cold start against the real Bitnami", target: vsTarget, note: why },
    ];
  }
  const ours = figure(rss.ours, "MB");
  const vsBitnami = figure(ratios(rss.ours, rss.bitnami), "×");
  const atTarget = rss.n >= RSS_TARGET_N;
  const elsewhere = `not measured at N=${thousands(RSS_TARGET_N)} (this run: N=${rss.n}); run with --n ${RSS_TARGET_N}`;
  return [
    {
      id: "controller-rss",
      measurement: `4. Controller RSS after cold start, N=${thousands(rss.n)}`,
      result: ours,
      target,
      ...(atTarget ? { met: ours.median < 250, note: `last run: ${rss.memory}` } : { note: `${elsewhere}; last run: ${rss.memory}` }),
    },
    {
      id: "controller-rss-vs-bitnami",
      measurement: `4. Controller RSS after cold start against the real Bitnami, N=${thousands(rss.n)}`,
      result: ours,
      reference: { what: "Bitnami, best settings", figure: figure(rss.bitnami, "MB") },
      ratio: { what: "ours ÷ Bitnami", figure: vsBitnami },
      target: vsTarget,
      ...(atTarget ? { met: vsBitnami.median <= 1 } : { note: elsewhere }),
    },
  ];
}
