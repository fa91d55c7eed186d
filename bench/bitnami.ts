// The real incumbent in the benchmark: Bitnami Sealed Secrets' own controller (v0.40.0), started on the benchmark's
// control plane by test/control-plane/bitnami.ts (loaded at run time on Node's type stripping, as cluster.ts loads
// control-plane.ts), its inputs sealed to its own key in its own format (bitnami-scheme.ts), its progress watched
// like ours (watch.ts).
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../test/integration/helpers/controller.js";
import { hybridEncrypt, strictLabel } from "./bitnami-scheme.js";
import type { BenchCluster } from "./cluster.js";
import { watchSeen, type Seen } from "./watch.js";

/** Its client at the defaults it ships with (5 requests/s, burst 10), or with that limit lifted. */
export type BitnamiSettings = "defaults" | "best";

/** What bench needs of test/control-plane/bitnami.ts (typed here: that file is not part of the tsc build). */
export interface BitnamiController {
  readonly pid: number;
  readonly startedAt: number;
  readonly certFile: string;
  stop(): Promise<void>;
}

interface BitnamiModule {
  startBitnami(o: { kubectl: string; kubeconfig: string; dir: string; namespace: string; settings: BitnamiSettings }): Promise<BitnamiController>;
}

const GROUP = { group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets" } as const;

/** Starts Bitnami's controller with its keys in `namespace` (made on its first start); ready once its key exists. */
export async function bitnamiController(cluster: BenchCluster, namespace: string, settings: BitnamiSettings): Promise<BitnamiController> {
  const module = (await import(pathToFileURL(join(repoRoot, "test/control-plane/bitnami.ts")).href)) as BitnamiModule;
  return module.startBitnami({ kubectl: cluster.kubectl, kubeconfig: cluster.kubeconfig, dir: cluster.dir, namespace, settings });
}

/** A `bitnami.com/v1alpha1` SealedSecret in the strict scope, as `kubeseal --cert` makes it from the same Secret. */
export function sealBitnami(certPem: string, namespace: string, name: string, values: Record<string, string>): Record<string, unknown> {
  const key = new X509Certificate(certPem).publicKey;
  const label = strictLabel(namespace, name);
  const encryptedData = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, hybridEncrypt(key, label, Buffer.from(v)).toString("base64")]));
  return {
    apiVersion: `${GROUP.group}/${GROUP.version}`,
    kind: "SealedSecret",
    metadata: { name, namespace },
    spec: { encryptedData, template: { metadata: { name, namespace }, type: "Opaque" } },
  };
}

export function createBitnamiSealed(cluster: BenchCluster, namespace: string, body: Record<string, unknown>): Promise<unknown> {
  return cluster.custom.createNamespacedCustomObject({ ...GROUP, namespace, body });
}

/** A Bitnami SealedSecret whose status says Synced=True for its current generation. */
function isSynced(obj: Record<string, any>): boolean {
  const status = obj.status as { observedGeneration?: number; conditions?: { type: string; status: string }[] } | undefined;
  return status?.observedGeneration === obj.metadata?.generation && status?.conditions?.some((c) => c.type === "Synced" && c.status === "True") === true;
}

/** Watches a namespace's Bitnami SealedSecrets as they become Synced. */
export function watchSynced(cluster: BenchCluster, namespace: string): Promise<Seen> {
  return watchSeen(
    cluster,
    `/apis/${GROUP.group}/${GROUP.version}/namespaces/${namespace}/${GROUP.plural}`,
    () => cluster.custom.listNamespacedCustomObject({ ...GROUP, namespace, limit: 1 }),
    isSynced,
  );
}
