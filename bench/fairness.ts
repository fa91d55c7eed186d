// 7. Fairness: steady-state latency of a well-behaved namespace while another namespace floods the controller with
// poisoned SealedSecrets: the most expensive objects the unseal limits let through (poisoned() below), edited
// constantly so the controller keeps opening them again. The same well-behaved workload runs once without the flood first, as the
// reference. The workload is row 3's (--rate, --seconds). Latency is from the start of each create request to the moment its Secret shows up on a watch.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { generateKey, seal } from "../src/index.js";
import type { KeyBundle, SealedSecret } from "../src/index.js";
import { MAX_STANZAS_PER_OBJECT, MAX_STANZAS_PER_VALUE } from "../src/unseal-limits.js";
import { controller, controllerKeys, dropNamespaces, namespace, type BenchCluster } from "./cluster.js";
import type { Row } from "./report.js";
import { figure, percentile } from "./stats.js";
import { watchSecrets } from "./watch.js";

export interface FairnessOptions {
  runs: number;
  /** The well-behaved namespace's workload, as in row 3 (steady state). */
  rate: number;
  seconds: number;
  flood: number;
  workers: number | undefined;
  controllerNodeOptions: string | undefined;
  /** Folder for the controller's CPU profiles (its threads' too), or undefined. */
  profile: string | undefined;
}

const P99_TARGET_MS = 250;
/** Edits per second to poisoned objects while the good workload runs (each bumps the generation). */
const EDIT_RATE = 10;
/** Creates of poisoned objects in flight: the API server, not the bench, is what limits the flood's pace. */
const CREATE_CONCURRENCY = 8;

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
/** etcd refuses objects over 1.5 MiB: post-quantum stanzas (~1.6 KB each) fill an object before the stanza budget. */
const ETCD_OBJECT_BYTES = 1_400_000;

/**
 * A poisoned object's spec: every value opens, but only with the last of its MAX_STANZAS_PER_VALUE stanzas (the
 * others are for strangers' keys), so each value costs a full key agreement per stanza; as many values as the
 * per-object stanza budget (or etcd) allows. What a tenant can make with the published bundle and age. Sealed with
 * namespace scope, so one spec serves every object of the flood: sealing 1,000 of them (a million X25519 key
 * agreements in the bench's own process) took longer than the API server took to store them.
 */
async function poisoned(ours: KeyBundle["keys"], strangers: string[], ns: string, values: number): Promise<SealedSecret> {
  const data = Object.fromEntries(Array.from({ length: values }, (_, i) => [`k${i}`, new TextEncoder().encode(`poison-${i}`)]));
  // No keys, only recipients, in this order: the bundle's key comes last in every header.
  return seal({ name: "poison", namespace: ns, data }, [], { scope: "namespace", recipients: [...strangers, ...ours.map((k) => k.recipient)] });
}

/** `template` under another name. */
function named(template: SealedSecret, name: string): SealedSecret {
  return { ...template, metadata: { ...template.metadata, name } };
}

/** Creates `body`, retrying a few times: a flooded API server on a small machine drops connections now and then. */
async function create(cluster: BenchCluster, ns: string, body: SealedSecret): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await cluster.custom.createNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace: ns, plural: "sealedsecrets", body });
      return;
    } catch (error) {
      if ((error as { code?: number }).code === 409) return; // an earlier attempt got through
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

/** Creates `count` poisoned objects, CREATE_CONCURRENCY at a time; resolves when all exist. */
async function flood(cluster: BenchCluster, bundle: KeyBundle, ns: string, count: number): Promise<{ names: string[]; values: number; type: string }> {
  // X25519 when the controller has such a key: post-quantum stanzas (~1.6 KB) make objects etcd-sized long before
  // the stanza budget, which loads the API server more than the controller. A file never mixes the two types.
  const type = bundle.keys.some((k) => k.type === "x25519") ? "x25519" : (bundle.keys[0]?.type ?? "x25519");
  const ours = bundle.keys.filter((k) => k.type === type);
  const strangers = await Promise.all(Array.from({ length: MAX_STANZAS_PER_VALUE - ours.length }, async () => (await generateKey(type)).recipient));
  const oneValue = JSON.stringify(await poisoned(ours, strangers, ns, 1)).length;
  const values = Math.min(Math.floor(MAX_STANZAS_PER_OBJECT / MAX_STANZAS_PER_VALUE), Math.floor(ETCD_OBJECT_BYTES / oneValue));
  const template = await poisoned(ours, strangers, ns, values);
  const names = Array.from({ length: count }, (_, i) => `poison-${i}`);
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) await create(cluster, ns, named(template, names[i] ?? ""));
    }),
  );
  return { names, values, type };
}

/** Edits poisoned objects round the clock at EDIT_RATE until stopped; returns how many edits were made. */
function editLoop(cluster: BenchCluster, ns: string, names: string[]): { stop(): Promise<number> } {
  let stopped = false;
  let edits = 0;
  const loop = (async () => {
    while (!stopped) {
      const name = names[edits % names.length] ?? "";
      const body = { spec: { template: { metadata: { labels: { edit: String(edits) } } } } };
      await cluster.custom.patchNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace: ns, plural: "sealedsecrets", name, body }, mergePatch).catch(() => {});
      edits++;
      await new Promise((r) => setTimeout(r, 1000 / EDIT_RATE));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return edits;
    },
  };
}

interface Latency {
  p50: number;
  p99: number;
  /** p99 from the API server's answer to the create to the Secret on the watch: the controller's part. */
  afterCreateP99: number;
}

/** p50 and p99 of create → Secret for `rate`/s over `seconds` in `ns`. */
async function goodWorkload(cluster: BenchCluster, o: FairnessOptions, bundle: KeyBundle, ns: string, prefix: string): Promise<Latency> {
  const count = o.rate * o.seconds;
  const sealed: SealedSecret[] = [];
  for (let i = 0; i < count; i++) {
    const data = { password: new TextEncoder().encode(`pw-${i}-${"y".repeat(24)}`) };
    sealed.push(await seal({ name: `${prefix}-${i}`, namespace: ns, data }, bundle.keys, { scope: "strict" }));
  }
  const seen = await watchSecrets(cluster, ns);
  try {
    const started = new Map<string, number>();
    const accepted = new Map<string, number>();
    const pending: Promise<unknown>[] = [];
    const t0 = performance.now();
    for (const [i, body] of sealed.entries()) {
      const wait = t0 + (i * 1000) / o.rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const name = body.metadata.name ?? "";
      started.set(name, performance.now());
      pending.push(create(cluster, ns, body).then(() => accepted.set(name, performance.now())));
    }
    await Promise.all(pending);
    await seen.until([...started.keys()], 300_000, `Secrets of ${prefix} in ${ns}`);
    const latencies = [...started].map(([name, t]) => (seen.at.get(name) ?? Number.NaN) - t);
    // A Secret can show up before the create's answer arrives: then the controller's part is 0.
    const afterCreate = [...accepted].map(([name, t]) => Math.max(0, (seen.at.get(name) ?? Number.NaN) - t));
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), afterCreateP99: percentile(afterCreate, 99) };
  } finally {
    seen.stop();
  }
}

export async function measureFairness(cluster: BenchCluster, o: FairnessOptions, progress: (line: string) => void): Promise<Row[]> {
  const controllerNs = await namespace(cluster, "bench-ctl");
  const bundle = await controllerKeys(cluster, controllerNs);
  const good = await namespace(cluster, "bench-good");
  const bad = await namespace(cluster, "bench-poison");
  const ctl = await controller(cluster, controllerNs, {
    workers: o.workers,
    watchNamespaces: [good, bad],
    nodeOptions: o.controllerNodeOptions,
    name: "fairness",
    ...(o.profile === undefined ? {} : { profileDir: o.profile }),
  });
  const base = { p50: [] as number[], p99: [] as number[], afterCreateP99: [] as number[] };
  const flooded = { p50: [] as number[], p99: [] as number[], afterCreateP99: [] as number[] };
  let edits = 0;
  let shape = "";
  try {
    await ctl.waitForLog((l) => l.msg === "caches synced, reconciling", "caches synced");
    for (let run = 0; run < o.runs; run++) {
      progress(`fairness: run ${run + 1}/${o.runs}, reference without a flood`);
      const reference = await goodWorkload(cluster, o, bundle, good, `ref${run}`);
      base.p50.push(reference.p50);
      base.p99.push(reference.p99);
      base.afterCreateP99.push(reference.afterCreateP99);
      progress(`fairness: run ${run + 1}/${o.runs}, ${o.flood} poisoned SealedSecrets flooding ${bad}`);
      const poison = await flood(cluster, bundle, bad, o.flood);
      shape = `${poison.values} values × ${MAX_STANZAS_PER_VALUE} ${poison.type} stanzas each`;
      const editor = editLoop(cluster, bad, poison.names);
      try {
        const measured = await goodWorkload(cluster, o, bundle, good, `flood${run}`);
        flooded.p50.push(measured.p50);
        flooded.p99.push(measured.p99);
        flooded.afterCreateP99.push(measured.afterCreateP99);
      } finally {
        edits += await editor.stop();
      }
      progress(`fairness: run ${run + 1}: reference p99 ${Math.round(reference.p99)} ms; flooded p50 ${Math.round(flooded.p50.at(-1) ?? Number.NaN)} ms, p99 ${Math.round(flooded.p99.at(-1) ?? Number.NaN)} ms`);
      // Best effort: deleting 1,000 objects of 140 KB can outlast the API server's patience (an HTTP/2 stream
      // reset); the namespace goes at the end anyway, and a failed clean-up must not throw the measurement away.
      await cluster.custom.deleteCollectionNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace: bad, plural: "sealedsecrets" }).catch(() => {});
    }
  } finally {
    await ctl.stop();
    await dropNamespaces(cluster, [good, bad, controllerNs]);
  }
  const what = `${o.rate}/s for ${o.seconds} s`;
  const p99 = figure(flooded.p99, "ms");
  const poison = `${o.flood} poisoned SealedSecrets (${shape}), ${EDIT_RATE} edits/s`;
  return [
    { id: "fairness-reference-p99", measurement: `11a. Fairness: well-behaved namespace (${what}), no flood, p99`, result: figure(base.p99, "ms"), target: "–", informational: true },
    { id: "fairness-flood-p50", measurement: `11b. Fairness: same, while another namespace floods ${poison}, p50`, result: figure(flooded.p50, "ms"), target: "–", informational: true },
    {
      id: "fairness-flood-p99",
      measurement: `11c. Fairness: same, while another namespace floods ${poison}, p99 (${edits} edits made)`,
      result: p99,
      target: `p99 < ${P99_TARGET_MS} ms`,
      met: p99.median < P99_TARGET_MS,
    },
    {
      id: "fairness-controller-part-p99",
      measurement: `11d. Fairness: the controller's part of 11c (the create answered → its Secret on the watch), p99; reference: without the flood`,
      result: figure(flooded.afterCreateP99, "ms"),
      reference: { what: "no flood", figure: figure(base.afterCreateP99, "ms") },
      target: "–",
      informational: true,
    },
  ];
}
