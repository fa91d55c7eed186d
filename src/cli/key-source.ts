// Where `kubectl seal` gets the public keys to seal to: --keys bundle files (offline), or else the clusters
// (src/cluster/, loaded only then, so the offline path never loads the Kubernetes client or Git).
import type { PublicKey } from "../types.js";
import { readBundleFile } from "./bundle-files.js";
import { clusterOptionsOf, type ClusterOptions } from "./cluster-options.js";

export interface KeySourceFlags {
  keys?: string[] | undefined;
  cluster?: string[] | undefined;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  "controller-namespace": string;
}

/** The keys to seal to, newest first per bundle, without duplicates. */
export async function sealingKeysOf(flags: KeySourceFlags, note: (line: string) => void): Promise<PublicKey[]> {
  if (flags.keys !== undefined && flags.keys.length > 0) {
    return uniqueKeys(flags.keys.flatMap((file) => readBundleFile(file).keys));
  }
  const options: ClusterOptions = clusterOptionsOf(flags);
  const { sealingKeysFromClusters } = await import("../cluster/sealing-keys.js");
  const { keys } = await sealingKeysFromClusters({ clusters: flags.cluster ?? [], ...options, cwd: process.cwd(), note });
  return uniqueKeys(keys);
}

function uniqueKeys(keys: readonly PublicKey[]): PublicKey[] {
  const seen = new Set<string>();
  return keys.filter((key) => !seen.has(key.id) && seen.add(key.id));
}
