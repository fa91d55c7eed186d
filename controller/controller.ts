// One leadership term of the controller: everything that only the leader runs (key manager, SealRequest handler,
// caches, work queue, workers), built fresh when leadership starts and torn down when it ends. Building fresh
// means a replica that lost its lease (say, while the API server restarted) can campaign again and take over
// cleanly, with no state left from the previous term.
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Audit } from "./audit.js";
import { BitnamiKeySource } from "./bitnami-keys.js";
import { sealedSecretCache, secretCache } from "./informer.js";
import { KeyManager } from "./keys.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import { WorkQueue } from "./queue.js";
import { Reconciler, keyOf } from "./reconcile.js";
import { SealRequestHandler } from "./requests.js";
import { UnsealPool } from "./unseal-pool.js";

// Every SealedSecret is looked at again this often, as a safety net for anything a watch could not tell us.
const RESYNC_MS = 10 * 60_000;
// How long stopping lets Events still being retried go on: well inside a pod's 30 s termination grace period,
// and short enough that a leader that lost its lease campaigns again soon.
const EVENT_GRACE_MS = 5_000;

export interface TermOptions {
  kc: KubeConfig;
  log: Logger;
  audit: Audit;
  metrics: Metrics;
  /** The controller's own namespace: keys, bundle, SealRequests. */
  namespace: string;
  /** Namespaces whose SealedSecrets are reconciled; empty means all. */
  watchNamespaces: string[];
  rotationPeriodMs: number;
  workers: number;
  /** Worker threads that open sealed values (unseal-pool.ts). */
  unsealThreads: number;
  /** False once this replica may have lost leadership (leader.ts); writes are fenced by `kc` itself. */
  holdsLease?: () => boolean;
  /** Where Bitnami's keys are, for Migrate requests (--bitnami-keys-namespace); unset: Migrate is refused. */
  bitnamiKeysNamespace?: string | undefined;
}

/**
 * Fault injection for the crash tests, off unless the variable is set: SEAL_FAULT_KILL_AFTER_SECRET_WRITES=N makes
 * the process SIGKILL itself right after its N-th Secret write, before that write's audit record (the window a
 * real crash can hit); SEAL_FAULT_KILL_AFTER_KEY_WRITES=N does the same after its N-th key Secret write (a new key,
 * before its KeyGenerated Event and before the bundle names it). Never set them in a deployment.
 */
export const FAULT_KILL_AFTER_SECRET_WRITES = "SEAL_FAULT_KILL_AFTER_SECRET_WRITES";
export const FAULT_KILL_AFTER_KEY_WRITES = "SEAL_FAULT_KILL_AFTER_KEY_WRITES";

function faultHook(variable: string): (() => void) | undefined {
  const limit = Number(process.env[variable] ?? "");
  if (!Number.isInteger(limit) || limit < 1) return undefined;
  let writes = 0;
  return () => {
    if (++writes >= limit) process.kill(process.pid, "SIGKILL");
  };
}

export class LeaderTerm {
  private readonly keys: KeyManager;
  private readonly requests: SealRequestHandler;
  private readonly queue: WorkQueue;
  private readonly sealedSecrets;
  private readonly secrets;
  private resync: NodeJS.Timeout | undefined;
  private stopped = false;
  private workers: Promise<void> | undefined;
  private pool: UnsealPool | undefined;

  constructor(private readonly o: TermOptions) {
    this.keys = new KeyManager({
      kc: o.kc,
      namespace: o.namespace,
      rotationPeriodMs: o.rotationPeriodMs,
      audit: o.audit,
      log: o.log.with({ component: "keys" }),
      metrics: o.metrics,
      ...keyFault(),
    });
    // SealRequests (RBAC decides who may ask): Rotate/Retire in the controller's own namespace, Verify/Reencrypt
    // of a namespace's sealed files in each watched namespace.
    this.requests = new SealRequestHandler({
      kc: o.kc,
      namespace: o.namespace,
      watchNamespaces: o.watchNamespaces,
      keys: this.keys,
      audit: o.audit,
      log: o.log,
      openerFor: (namespace) => this.pool?.opener(namespace), // the pool starts with the workers, after the caches sync
      ...bitnamiKeys(o),
    });
    this.queue = new WorkQueue({ onDepth: (depth) => o.metrics.queueDepth.set(depth) });
    const informerLog = o.log.with({ component: "informer" });
    this.sealedSecrets = sealedSecretCache(o.kc, o.watchNamespaces, (s) => this.enqueue(s), informerLog);
    // A Secret event matters only to the SealedSecret of the same name (its owner, or a conflicting name).
    this.secrets = secretCache(
      o.kc,
      o.watchNamespaces,
      (s) => {
        if (this.sealedSecrets.get(s.metadata?.name ?? "", s.metadata?.namespace ?? "")) this.enqueue(s);
      },
      informerLog,
    );
  }

  private enqueue(o: { metadata?: { name?: string; namespace?: string } }): void {
    this.queue.add(keyOf(o.metadata?.namespace ?? "", o.metadata?.name ?? ""));
  }

  private enqueueAll(): void {
    for (const s of this.sealedSecrets.list()) this.enqueue(s);
  }

  /** Caches filled: the term can judge the world. */
  synced(): boolean {
    return this.sealedSecrets.synced() && this.secrets.synced();
  }

  /** Loads keys, fills the caches, then runs the workers in the background. Throws if the keys cannot be loaded. */
  async start(): Promise<void> {
    await this.keys.start();
    await this.requests.start();
    this.keys.onChange(() => this.enqueueAll()); // SealedSecrets that failed with an unknown key may open now
    await Promise.all([this.secrets.start(), this.sealedSecrets.start()]);
    while (!this.synced() && !this.stopped) await sleep(100); // the informers retry on their own
    if (this.stopped) return;
    this.resync = setInterval(() => this.enqueueAll(), RESYNC_MS);
    this.resync.unref();
    const pool = new UnsealPool(this.o.unsealThreads, this.o.log.with({ component: "unseal-pool" }));
    this.pool = pool;
    const reconciler = new Reconciler({
      kc: this.o.kc,
      log: this.o.log.with({ component: "reconcile" }),
      audit: this.o.audit,
      metrics: this.o.metrics,
      sealedSecrets: this.sealedSecrets,
      secrets: this.secrets,
      keys: () => this.keys.privateKeys(),
      openerFor: (namespace) => pool.opener(namespace),
      holdsLease: this.o.holdsLease,
      afterSecretWrite: faultHook(FAULT_KILL_AFTER_SECRET_WRITES),
    });
    this.o.log.info("caches synced, reconciling", { workers: this.o.workers, unsealThreads: this.o.unsealThreads, watchNamespaces: this.o.watchNamespaces });
    this.workers = this.queue.run(this.o.workers, (key) => reconciler.sync(key), this.o.log.with({ component: "queue" }));
  }

  /** Stops taking work; resolves once the workers are idle (their Events written or given up) and the watches closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    this.queue.shutDown();
    this.keys.stop();
    // Events being retried (a worker may be waiting on one) give up by the deadline instead of after EVENT_RETRY_MS.
    this.o.audit.hurry(Date.now() + EVENT_GRACE_MS);
    await Promise.allSettled([this.sealedSecrets.stop(), this.secrets.stop(), this.requests.stop(), this.workers]);
    await this.pool?.close(); // after the workers: none is left waiting for a value
  }
}

function keyFault(): { afterStep?: (step: "key-created" | "bundle-published") => void } {
  const kill = faultHook(FAULT_KILL_AFTER_KEY_WRITES);
  return kill === undefined ? {} : { afterStep: (step) => step === "key-created" && kill() };
}

function bitnamiKeys(o: TermOptions): { bitnamiKeys?: () => ReturnType<BitnamiKeySource["load"]> } {
  if (o.bitnamiKeysNamespace === undefined) return {};
  const source = new BitnamiKeySource(o.kc, o.bitnamiKeysNamespace, o.log.with({ component: "bitnami-keys" }));
  return { bitnamiKeys: () => source.load() };
}
