// Entry point of the kubectl-seal controller: flags -> clients, caches, queue, key manager, leader election.
// The loop itself lives in reconcile.ts (sync), queue.ts (retries) and informer.ts (watches).
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { Audit } from "./audit.js";
import { FlagError, USAGE, parseFlags } from "./flags.js";
import type { ControllerFlags } from "./flags.js";
import { HealthServer } from "./health.js";
import { sealedSecretCache, secretCache } from "./informer.js";
import { KeyManager } from "./keys.js";
import { LeaderElector } from "./leader.js";
import { createLogger } from "./log.js";
import { createMetrics } from "./metrics.js";
import { WorkQueue } from "./queue.js";
import { Reconciler, keyOf } from "./reconcile.js";
import { SealRequestHandler } from "./requests.js";

const CONTROLLER_NAME = "kubectl-seal-controller";
const LEASE_NAME = "kubectl-seal-controller";
// Every SealedSecret is looked at again this often, as a safety net for anything a watch could not tell us.
const RESYNC_MS = 10 * 60_000;

function loadKubeConfig(flags: ControllerFlags): KubeConfig {
  const kc = new KubeConfig();
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
  const audit = new Audit({ kc, log, controllerName: CONTROLLER_NAME, instance: identity });
  const keys = new KeyManager({
    kc,
    namespace: flags.namespace,
    rotationPeriodMs: flags.keyRotationPeriodMs,
    audit,
    log: log.with({ component: "keys" }),
    metrics,
  });
  // Rotate/Retire asked for through SealRequests in the controller's own namespace (RBAC decides who may).
  const requests = new SealRequestHandler({ kc, namespace: flags.namespace, keys, log });
  const queue = new WorkQueue({ onDepth: (depth) => metrics.queueDepth.set(depth) });
  const enqueue = (o: { metadata?: { name?: string; namespace?: string } }): void =>
    queue.add(keyOf(o.metadata?.namespace ?? "", o.metadata?.name ?? ""));
  const informerLog = log.with({ component: "informer" });
  const sealedSecrets = sealedSecretCache(kc, flags.watchNamespaces, enqueue, informerLog);
  // A Secret event matters only to the SealedSecret of the same name (owner or conflicting name).
  const secrets = secretCache(
    kc,
    flags.watchNamespaces,
    (s) => {
      if (sealedSecrets.get(s.metadata?.name ?? "", s.metadata?.namespace ?? "")) enqueue(s);
    },
    informerLog,
  );
  const enqueueAll = (): void => sealedSecrets.list().forEach(enqueue);
  const reconciler = new Reconciler({
    kc,
    log: log.with({ component: "reconcile" }),
    audit,
    metrics,
    sealedSecrets,
    secrets,
    keys: () => keys.privateKeys(),
  });

  let leading = false;
  let stopping = false;
  const synced = (): boolean => sealedSecrets.synced() && secrets.synced();
  const health = new HealthServer({ addr: flags.metricsAddr, registry: metrics.registry, ready: () => !leading || synced(), log });
  await health.start();

  const lead = async (): Promise<void> => {
    leading = true;
    await keys.start();
    await requests.start();
    keys.onChange(enqueueAll); // SealedSecrets that failed with an unknown key may open now
    await Promise.all([secrets.start(), sealedSecrets.start()]);
    while (!synced() && !stopping) await sleep(100); // informers retry on their own
    setInterval(enqueueAll, RESYNC_MS).unref();
    log.info("caches synced, reconciling", { workers: flags.workers, watchNamespaces: flags.watchNamespaces });
    void queue.run(flags.workers, (key) => reconciler.sync(key), log.with({ component: "queue" }));
  };

  const elector = flags.leaderElect
    ? new LeaderElector({
        kc,
        namespace: flags.namespace,
        leaseName: LEASE_NAME,
        identity,
        leaseDurationMs: flags.leaseDurationMs,
        log,
      })
    : undefined;

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    queue.shutDown();
    await Promise.allSettled([sealedSecrets.stop(), secrets.stop(), Promise.resolve(keys.stop()), requests.stop(), elector?.stop(), health.stop()]);
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  log.info("starting", { identity, namespace: flags.namespace, leaderElect: flags.leaderElect });
  if (!elector) return lead();
  await elector.run(lead, () => {
    if (stopping) return;
    // As client-go controllers do: a leader that lost its lease exits and restarts clean, so no half-stopped
    // worker can write after another replica took over.
    log.error("lost leadership; exiting so that only the new leader reconciles", { identity });
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "controller failed", error: message }) + "\n");
  process.exit(1);
});
