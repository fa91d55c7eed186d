// 7. Controller memory under the Deployment's limit: N SealedSecrets exist, the controller starts inside a private
// memory cgroup limited as manifests/deployment.yaml limits the container (256Mi), with the Deployment's
// environment (heap limits, malloc arenas), and must finish its cold start: every Secret written, every
// SealedSecret Ready. Reported: the cgroup's peak memory and how many processes the OOM killer killed. Each N runs
// once (big and slow; the peak, unlike a time, is not noisy). Needs root and the cgroup v1 memory controller.
import { existsSync } from "node:fs";
import { MEMORY_CGROUP_ROOT, MemoryCgroup } from "../test/integration/helpers/cgroup.js";
import { SETUP_CONCURRENCY, cleanUp, sealAll } from "./cold-start.js";
import { controller, controllerKeys, deploymentMemoryLimit, dropNamespaces, namespace, type BenchCluster } from "./cluster.js";
import { forEachConcurrently } from "./pool.js";
import { notMeasured, type Row } from "./report.js";
import { figure } from "./stats.js";
import { watchReady, watchSecrets } from "./watch.js";

export interface MemoryOptions {
  memoryN: number[];
}

const MiB = 2 ** 20;

interface Outcome {
  peakMiB: number;
  oomKills: number;
  failcnt: number;
  /** Whether every Secret and Ready status appeared before the controller died or the deadline passed. */
  completed: boolean;
  seconds: number;
}

async function run(cluster: BenchCluster, controllerNs: string, n: number, progress: (line: string) => void): Promise<Outcome> {
  const ns = await namespace(cluster, "bench-mem");
  const bundle = await controllerKeys(cluster, controllerNs);
  progress(`memory N=${n}: sealing and creating ${n} SealedSecrets`);
  const sealed = await sealAll(bundle, ns, n);
  await forEachConcurrently(sealed, SETUP_CONCURRENCY, async (body) => {
    // Thousands of creates on a loaded machine: a dropped connection (HTTP/2 GOAWAY) is retried, a 409 means done.
    for (let attempt = 1; ; attempt++) {
      try {
        await cluster.custom.createNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace: ns, plural: "sealedsecrets", body });
        return;
      } catch (err) {
        if ((err as { code?: unknown }).code === 409) return;
        if (attempt >= 5) throw err;
      }
    }
  });
  sealed.length = 0; // the bench process's memory is not measured, but 20,000 sealed objects are not free
  const names = Array.from({ length: n }, (_, i) => `app-${i}`);
  const secrets = await watchSecrets(cluster, ns);
  const ready = await watchReady(cluster, ns);
  const group = MemoryCgroup.create("kubectl-seal-bench", deploymentMemoryLimit());
  const start = performance.now();
  progress(`memory N=${n}: controller cold start in a ${deploymentMemoryLimit() / MiB} MiB cgroup`);
  const ctl = await controller(cluster, controllerNs, { watchNamespaces: [ns], name: `memory-${n}`, launch: (c, a) => group.wrap(c, a) });
  try {
    // A deadline, not a target: completing matters here, and a loaded machine slows the API server.
    const timeoutMs = Math.max(300_000, n * 150);
    const done = Promise.all([secrets.until(names, timeoutMs, `${n} Secrets`), ready.until(names, timeoutMs, `${n} Ready SealedSecrets`)]);
    const died = ctl.exited.then((code) => Promise.reject(new Error(`controller exited (${code ?? ctl.child.signalCode}) during its cold start`)));
    const completed = await Promise.race([done, died]).then(
      () => true,
      (err: unknown) => {
        progress(`memory N=${n}: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      },
    );
    const seconds = (performance.now() - start) / 1000;
    const stats = group.stats();
    return { peakMiB: stats.peakBytes / MiB, oomKills: stats.oomKills, failcnt: stats.failcnt, completed, seconds };
  } finally {
    secrets.stop();
    ready.stop();
    await ctl.stop();
    await group.removeWhenEmpty();
    await dropNamespaces(cluster, [ns]); // not waited for: memory, not time, is measured next
  }
}

export async function measureMemory(cluster: BenchCluster, o: MemoryOptions, progress: (line: string) => void): Promise<Row[]> {
  const limitMiB = deploymentMemoryLimit() / MiB;
  const target = `completes, 0 OOM kills in ${limitMiB} MiB`;
  if (!existsSync(`${MEMORY_CGROUP_ROOT}/memory.limit_in_bytes`)) {
    return o.memoryN.map((n) => notMeasured(`memory-${n}`, `7. Controller cold start in a ${limitMiB} MiB cgroup, N=${n.toLocaleString("en-US")}`, target, `no cgroup v1 memory controller at ${MEMORY_CGROUP_ROOT}`));
  }
  const controllerNs = await namespace(cluster, "bench-mem-ctl");
  const rows: Row[] = [];
  for (const n of o.memoryN) {
    const r = await run(cluster, controllerNs, n, progress);
    rows.push({
      id: `memory-${n}`,
      measurement: `7. Controller cold start in a ${limitMiB} MiB cgroup, N=${n.toLocaleString("en-US")}: peak memory`,
      result: figure([r.peakMiB], "MiB"),
      target,
      met: r.completed && r.oomKills === 0,
      note: `${r.completed ? `completed in ${r.seconds.toFixed(0)} s` : "did NOT complete"}; OOM kills ${r.oomKills}; limit hit (failcnt) ${r.failcnt}`,
    });
  }
  await cleanUp(cluster, [controllerNs]);
  return rows;
}
