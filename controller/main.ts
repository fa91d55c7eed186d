// Entry point of the kubectl-seal controller: flags -> clients, caches, queue, key manager, leader election.
// What the leader runs is in controller.ts; the loop in reconcile.ts (sync), queue.ts (retries), informer.ts (watches).
import { hostname } from "node:os";
import { PooledKubeConfig } from "../src/cluster/pooled-kubeconfig.js";
import { Audit } from "./audit.js";
import { FlagError, USAGE, parseFlags } from "./flags.js";
import type { ControllerFlags } from "./flags.js";
import { HealthServer } from "./health.js";
import { LeaderTerm } from "./controller.js";
import { LeaderElector } from "./leader.js";
import { createLogger } from "./log.js";
import { createMetrics } from "./metrics.js";

const CONTROLLER_NAME = "kubectl-seal-controller";
const LEASE_NAME = "kubectl-seal-controller";

function loadKubeConfig(flags: ControllerFlags): PooledKubeConfig {
  const kc = new PooledKubeConfig(); // reuses connections: client-node opens one per request otherwise
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
  const identity = process.env.POD_NAME ?? `${hostname()}_${process.pid}`;
  const kc = loadKubeConfig(flags);
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
    ? new LeaderElector({ kc, namespace: flags.namespace, leaseName: LEASE_NAME, identity, leaseDurationMs: flags.leaseDurationMs, log })
    : undefined;

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    await Promise.allSettled([term?.stop(), elector?.stop(), health.stop()]);
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
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "controller failed", error: message }) + "\n");
  process.exit(1);
});
