// Entry point of the kubectl-seal controller: flags -> clients, caches, queue, key manager, leader election.
// What the leader runs is in controller.ts; the loop in reconcile.ts (sync), queue.ts (retries), informer.ts (watches).
import { hostname } from "node:os";
import { PooledKubeConfig } from "../src/cluster/pooled-kubeconfig.js";
import { Audit } from "./audit.js";
import { FencedKubeConfig } from "./fenced-kubeconfig.js";
import { FlagError, USAGE, parseFlags } from "./flags.js";
import type { ControllerFlags } from "./flags.js";
import { HealthServer } from "./health.js";
import { LeaderTerm } from "./controller.js";
import { LeaderElector } from "./leader.js";
import { createLogger } from "./log.js";
import { createMetrics } from "./metrics.js";

const CONTROLLER_NAME = "kubectl-seal-controller";
const LEASE_NAME = "kubectl-seal-controller";

function loadKubeConfig<T extends PooledKubeConfig>(flags: ControllerFlags, kc: T): T {
  // PooledKubeConfig reuses connections: client-node opens one per request otherwise.
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  // SEAL_IN_CLUSTER_ROOT prefixes the service account paths (/var/run/secrets/...): for running "in-cluster"
  // outside a pod, as the tests do.
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster(process.env.SEAL_IN_CLUSTER_ROOT ?? "");
  else kc.loadFromDefault();
  return kc;
}

async function main(): Promise<void> {
  let flags: ControllerFlags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`${CONTROLLER_NAME}: error: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const log = createLogger(flags.logLevel);
  // The Pod name (downward API), else the host name, which in a Pod is the Pod name: a container restarted after a
  // crash is the same candidate and takes its Lease back at once instead of waiting for it to expire. Two
  // replicas on one host outside Kubernetes need distinct POD_NAME values.
  const identity = process.env.POD_NAME ?? hostname();
  // Everything but the Lease goes through the fenced config: no write once the renew deadline has passed.
  const kc = loadKubeConfig(flags, new FencedKubeConfig());
  const leaseKc = loadKubeConfig(flags, new PooledKubeConfig());
  const metrics = createMetrics();
  const audit = new Audit({ kc, log, controllerName: CONTROLLER_NAME, instance: identity, metrics });
  const newTerm = (): LeaderTerm =>
    new LeaderTerm({
      kc,
      log,
      audit,
      metrics,
      namespace: flags.namespace,
      watchNamespaces: flags.watchNamespaces,
      rotationPeriodMs: flags.keyRotationPeriodMs,
      workers: flags.workers,
      unsealThreads: flags.unsealThreads,
      holdsLease: () => elector?.holdsLease() ?? true,
      bitnamiKeysNamespace: flags.bitnamiKeysNamespace,
    });

  let term: LeaderTerm | undefined;
  let ending: Promise<void> = Promise.resolve();
  let stopping = false;
  // A standby replica is ready (it is doing its job: waiting); a leader once its caches are synced.
  const health = new HealthServer({ addr: flags.metricsAddr, registry: metrics.registry, ready: () => term?.synced() ?? true, log });
  await health.start();

  const lead = async (): Promise<void> => {
    term = newTerm();
    await term.start();
  };
  const stepDown = (): void => {
    const ended = term;
    term = undefined;
    ending = ended ? ended.stop() : Promise.resolve();
  };

  const elector = flags.leaderElect
    ? new LeaderElector({ kc: leaseKc, namespace: flags.namespace, leaseName: LEASE_NAME, identity, leaseDurationMs: flags.leaseDurationMs, log })
    : undefined;
  kc.fence = () => elector?.holdsLease() ?? true;

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    // In this order, well inside a Pod's 30 s grace period: finish the syncs under way and the Events they write
    // while still holding (and renewing) the Lease, then release it so a successor starts at once, and never
    // while this replica still writes.
    const last = term;
    term = undefined; // so that the elector's stepping down below does not stop it twice
    await Promise.allSettled([last?.stop(), ending]);
    await Promise.allSettled([elector?.stop(), health.stop()]);
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  log.info("starting", { identity, namespace: flags.namespace, leaderElect: flags.leaderElect });
  if (!elector) return lead();
  // A leader that lost its lease (e.g. it could not renew while the API server was down) stops all work at once,
  // then campaigns again: when the API server is back, one replica (maybe this one) leads again.
  while (!stopping) {
    await elector.run(lead, stepDown);
    await ending;
    if (!stopping) log.info("leader term ended; campaigning again", { identity });
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "controller failed", error: message }) + "\n");
  process.exit(1);
});
