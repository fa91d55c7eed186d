// Knowing when the controller is done without loading the API server: one watch per resource, started before the
// work begins, notes the first time each object is seen in the wanted state (with the local time it was seen).
// Polling lists of thousands of objects would cost the API server more than the controller under test.
import { Watch } from "@kubernetes/client-node";
import type { BenchCluster } from "./cluster.js";

interface Listed {
  metadata?: { resourceVersion?: string };
}

export interface Seen {
  /** name -> performance.now() when first seen in the wanted state. */
  readonly at: Map<string, number>;
  /** Resolves once every one of `names` was seen (or rejects after timeoutMs). */
  until(names: readonly string[], timeoutMs: number, what: string): Promise<void>;
  stop(): void;
}

/**
 * Watches `path` (a collection URL, e.g. /api/v1/namespaces/x/secrets) from the resourceVersion of `listOne` (a list
 * of the same collection with limit 1), and
 * restarts from the last version seen if the API server ends the watch.
 */
export async function watchSeen(
  cluster: BenchCluster,
  path: string,
  listOne: () => Promise<unknown>,
  wanted: (obj: Record<string, any>) => boolean,
): Promise<Seen> {
  const at = new Map<string, number>();
  const list = (await listOne()) as Listed;
  let resourceVersion = list.metadata?.resourceVersion ?? "";
  let stopped = false;
  let abort: AbortController | undefined;
  let notify = () => {};
  const start = async (): Promise<void> => {
    abort = await new Watch(cluster.kc).watch(
      path,
      { resourceVersion, allowWatchBookmarks: true },
      (phase, obj: Record<string, any>) => {
        resourceVersion = obj?.metadata?.resourceVersion ?? resourceVersion;
        const name = obj?.metadata?.name as string | undefined;
        if ((phase === "ADDED" || phase === "MODIFIED") && name !== undefined && !at.has(name) && wanted(obj)) {
          at.set(name, performance.now());
          notify();
        }
      },
      () => {
        if (!stopped) setTimeout(() => void start().catch(() => {}), 200);
      },
    );
  };
  await start();
  return {
    at,
    until(names, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const missing = () => names.filter((n) => !at.has(n)).length;
        const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${missing()} of ${names.length} missing)`)), timeoutMs);
        notify = () => {
          if (at.size >= names.length && missing() === 0) {
            clearTimeout(timer);
            resolve();
          }
        };
        notify();
      });
    },
    stop() {
      stopped = true;
      abort?.abort();
    },
  };
}

/** A SealedSecret whose status says Ready=True for its current generation. */
export function isReady(obj: Record<string, any>): boolean {
  const status = obj.status as { observedGeneration?: number; conditions?: { type: string; status: string }[] } | undefined;
  return status?.observedGeneration === obj.metadata?.generation && status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/** Watches a namespace's Secrets as they appear. */
export function watchSecrets(cluster: BenchCluster, namespace: string): Promise<Seen> {
  return watchSeen(cluster, `/api/v1/namespaces/${namespace}/secrets`, () => cluster.core.listNamespacedSecret({ namespace, limit: 1 }), () => true);
}

/** Watches a namespace's SealedSecrets as they become Ready. */
export function watchReady(cluster: BenchCluster, namespace: string): Promise<Seen> {
  return watchSeen(
    cluster,
    `/apis/seal.dev/v1alpha1/namespaces/${namespace}/sealedsecrets`,
    () => cluster.custom.listNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace, plural: "sealedsecrets", limit: 1 }),
    isReady,
  );
}
