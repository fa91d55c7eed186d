// Sealing keys from clusters, for `kubectl seal` without --keys: the named pinned clusters' saved bundles
// (--cluster NAME, offline), or else the current kubeconfig context's published bundle, verified against its
// pin (pinned on first use). Loaded by the seal command with `await import()` only when needed, so the
// offline path never loads the Kubernetes client. (Stub: src/cluster owner implements it.)
import type { ClusterOptions } from "../cli/cluster-flags.js";
import { SealError } from "../errors.js";
import type { PublicKey } from "../types.js";

export interface ClusterKeysRequest extends ClusterOptions {
  /** --cluster values: pinned cluster names; empty means the current kubeconfig context. */
  clusters: string[];
  /** Directory whose Git repository holds .seal/clusters.yaml (the pins). */
  cwd: string;
  /** Progress and notes for the user (stderr). */
  note: (line: string) => void;
}

export interface ClusterKeys {
  /** Union of the clusters' current keys, ready for seal(). */
  keys: PublicKey[];
  /** Cluster names the keys came from, for messages. */
  sources: string[];
}

export async function sealingKeysFromClusters(request: ClusterKeysRequest): Promise<ClusterKeys> {
  throw new SealError(`no key bundle given and fetching keys from ${request.clusters.join(", ") || "the cluster"} is not available yet`, "pass --keys BUNDLE");
}
