// 7. The controller as a Pod on the test node (test/control-plane/node.ts), as manifests/ ships it plus
// test/node-overlay, under its 256Mi limit: N SealedSecrets exist while the Deployment is scaled to 0; from the scale
// to 1, the time until every Secret exists and every SealedSecret is Ready (Pod start included), the peak memory of
// the Pod's cgroup (memory.max_usage_in_bytes, over every container restart: what the 256Mi limit is enforced on,
// page cache included) and the container's restarts (after 3 the run stops waiting). Run once: at N=10,000 it takes
// minutes.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { applyNodeOverlay, CONTROLLER_NS, DEPLOYMENT } from "../test/integration/helpers/node-overlay.js";
import type { Kubectl } from "../test/integration/helpers/node-overlay.js";
import { namespace, publishedBundle, type BenchCluster } from "./cluster.js";
import { cleanUp, sealAll } from "./cold-start.js";
import { forEachConcurrently } from "./pool.js";
import type { Row } from "./report.js";
import { figure } from "./stats.js";
import { watchReady, watchSecrets } from "./watch.js";

const run = promisify(execFile);
const PEAK_TARGET_MIB = 200;

export interface PodOptions {
  podN: number;
}

interface Container {
  restarts: number;
  lastTermination: string;
  /** The Pod's memory cgroup: it outlives container restarts, so its peak covers all of them. */
  cgroup: string;
}

/** The controller container's restart count and its Pod's memory cgroup (cgroup v1, under the node's cgroup root). */
async function container(kubectl: Kubectl, nodeDir: string): Promise<Container> {
  const pods = JSON.parse(await kubectl(["get", "pods", "-n", CONTROLLER_NS, "-l", `app.kubernetes.io/name=${DEPLOYMENT}`, "-o", "json"]));
  const pod = pods.items.find((p: { metadata: { deletionTimestamp?: string } }) => p.metadata.deletionTimestamp === undefined);
  if (!pod) throw new Error("no controller Pod");
  const status = pod.status?.containerStatuses?.[0];
  const root = (await readFile(join(nodeDir, "cgroup-root"), "utf8")).trim();
  const qos = String(pod.status.qosClass).toLowerCase();
  return {
    restarts: (status?.restartCount as number | undefined) ?? 0,
    lastTermination: status?.lastState?.terminated?.reason ?? "",
    cgroup: join("/sys/fs/cgroup/memory", root, "kubepods", qos, `pod${pod.metadata.uid}`),
  };
}

/** Rejects once the container restarted `times` times: a controller killed at its limit over and over will not finish. */
async function restartedTimes(kubectl: Kubectl, nodeDir: string, times: number, stopped: () => boolean): Promise<never> {
  for (;;) {
    const c = await container(kubectl, nodeDir).catch(() => undefined);
    if (c !== undefined && c.restarts >= times) throw new Error(`the container restarted ${c.restarts} times (last: ${c.lastTermination || "?"})`);
    if (stopped()) return new Promise<never>(() => {});
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export async function measurePod(cluster: BenchCluster, o: PodOptions, progress: (line: string) => void): Promise<Row[]> {
  const id = `pod-${o.podN}`;
  const measurement = `7. Controller as a Pod (256Mi limit), N=${o.podN.toLocaleString("en-US")}`;
  const target = `0 restarts, peak < ${PEAK_TARGET_MIB} MiB`;
  if (cluster.startNode === undefined) return [{ id, measurement, target, note: "not measured: needs the local control plane's node (no --kubeconfig)" }];
  const kubectl: Kubectl = async (args, input) => {
    const child = run(cluster.kubectl, ["--kubeconfig", cluster.kubeconfig, ...args], { maxBuffer: 256 << 20 });
    if (input !== undefined) child.child.stdin?.end(input);
    return (await child).stdout;
  };
  progress(`pod N=${o.podN}: starting the node and installing the controller`);
  const node = await cluster.startNode();
  await applyNodeOverlay(kubectl, cluster.server, 20_000 + (process.pid % 10_000)); // a host port no other run uses
  const bundle = await publishedBundle(cluster, CONTROLLER_NS);
  await kubectl(["scale", "deployment", DEPLOYMENT, "-n", CONTROLLER_NS, "--replicas=0"]);
  await kubectl(["wait", "--for=delete", "pod", "-l", `app.kubernetes.io/name=${DEPLOYMENT}`, "-n", CONTROLLER_NS, "--timeout=120s"]);

  const ns = await namespace(cluster, "bench-pod");
  try {
    progress(`pod N=${o.podN}: sealing and creating the SealedSecrets`);
    const sealed = await sealAll(bundle, ns, o.podN);
    await forEachConcurrently(sealed, 16, async (body) => {
      const create = () => cluster.custom.createNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace: ns, plural: "sealedsecrets", body });
      // One retry: the API server may close an HTTP/2 connection (GOAWAY) under the burst; 409 means the first try landed.
      await create().catch(() => create()).catch((error: unknown) => {
        if ((error as { code?: number }).code !== 409) throw error;
      });
    });
    const secrets = await watchSecrets(cluster, ns);
    const ready = await watchReady(cluster, ns);
    const names = sealed.map((s) => s.metadata.name ?? "");
    const timeoutMs = Math.max(300_000, o.podN * 30);
    progress(`pod N=${o.podN}: scaling the controller to 1`);
    const start = performance.now();
    await kubectl(["scale", "deployment", DEPLOYMENT, "-n", CONTROLLER_NS, "--replicas=1"]);
    // A timeout (e.g. a container killed over and over at its limit) still reports memory and restarts.
    let unfinished = "";
    let done = false;
    try {
      await Promise.race([
        Promise.all([secrets.until(names, timeoutMs, `${o.podN} Secrets in ${ns}`), ready.until(names, timeoutMs, `${o.podN} Ready SealedSecrets in ${ns}`)]),
        restartedTimes(kubectl, node.dir, 3, () => done),
      ]);
    } catch (error) {
      unfinished = `; NOT all unsealed: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      done = true;
      secrets.stop();
      ready.stop();
    }
    const seconds = (unfinished === "" ? Math.max(...secrets.at.values(), ...ready.at.values()) : performance.now()) / 1000 - start / 1000;
    const c = await container(kubectl, node.dir);
    const peakMiB = Number(await readFile(join(c.cgroup, "memory.max_usage_in_bytes"), "utf8")) / 2 ** 20;
    const limitMiB = Number(await readFile(join(c.cgroup, "memory.limit_in_bytes"), "utf8")) / 2 ** 20;
    const restarts = `${c.restarts} restart(s)${c.lastTermination ? ` (last: ${c.lastTermination})` : ""}`;
    return [
      {
        id: `${id}-cold-start`, measurement: `${measurement}: cold start (scale to 1 → all unsealed)`, result: figure([seconds], "s"), target: "–",
        informational: true, note: `${secrets.at.size} Secrets, ${ready.at.size} Ready${unfinished}`,
      },
      {
        id: `${id}-memory`,
        measurement: `${measurement}: peak container memory, restarts`,
        result: figure([peakMiB], "MiB"),
        target,
        met: c.restarts === 0 && peakMiB < PEAK_TARGET_MIB,
        note: `${restarts}; cgroup limit ${limitMiB} MiB; peak = the Pod cgroup's memory.max_usage_in_bytes (includes page cache)`,
      },
    ];
  } finally {
    await kubectl(["delete", "deployment", DEPLOYMENT, "-n", CONTROLLER_NS, "--wait=true", "--timeout=120s"]).catch(() => "");
    await cleanUp(cluster, [ns]);
  }
}
