// Sealing keys from clusters, for `kubectl seal` without --keys. Loaded by the seal command with `await import()`
// only when needed, so the offline path never loads the Kubernetes client or Git.
//
// - Without --cluster: the current kubeconfig context (or --context): its published bundle, verified against its
//   pin in .seal/clusters.yaml (pinned on first sight) and saved there.
// - With --cluster NAME (repeatable): the bundles saved with those pins, verified against the pinned signers, and
//   nothing else: no cluster is contacted. Sealing is then reproducible and works where no cluster is reachable
//   (CI, a laptop without VPN); `kubectl seal fetch-keys --cluster NAME` refreshes a saved bundle. Several
//   clusters give the union of their current keys, so each value opens in each cluster.
import * as path from "node:path";
import { verifyBundle } from "../bundle.js";
import { BundleError, SealError } from "../errors.js";
import type { ClusterOptions } from "../cli/cluster-flags.js";
import type { KeyType, PublicKey } from "../types.js";

export interface ClusterKeysRequest extends ClusterOptions {
  /** --cluster values: pinned cluster names; empty means the current kubeconfig context. */
  clusters: string[];
  /** Directory whose Git repository holds .seal/clusters.yaml (the pins). */
  cwd: string;
  /** Progress and notes for the user (stderr). */
  note: (line: string) => void;
  /** Defaults to now: keys expired by then are not sealed to. */
  now?: Date;
}

export interface ClusterKeys {
  /** Union of the clusters' current keys, ready for seal(). */
  keys: PublicKey[];
  /** Cluster names the keys came from, for messages. */
  sources: string[];
}

export async function sealingKeysFromClusters(request: ClusterKeysRequest): Promise<ClusterKeys> {
  const { fetchTrustedBundle, pinRepository, pinNote } = await import("./trusted-bundle.js");
  if (request.clusters.length === 0) {
    const trusted = await fetchTrustedBundle({ ...request, cwd: request.cwd });
    const note = pinNote(trusted, path.relative(request.cwd, path.join(trusted.root, ".seal/clusters.yaml")) || ".seal/clusters.yaml");
    if (note !== undefined) request.note(note);
    return { keys: trusted.bundle.keys, sources: [trusted.name] };
  }
  if (request.context !== undefined || request.kubeconfig !== undefined) {
    throw new SealError(
      "--cluster seals to the bundles saved in .seal/clusters.yaml and contacts no cluster, so --context and --kubeconfig do nothing with it",
      `refresh a saved bundle with \`kubectl seal fetch-keys --cluster ${request.clusters[0]} --context CONTEXT\`, then seal with --cluster alone`,
    );
  }
  const root = await pinRepository(request.cwd);
  const { readPinnedClusters } = await import("../git/known-keys.js");
  const pins = readPinnedClusters(root);
  const perCluster = [...new Set(request.clusters)].map((name) => {
    const pin = pins.find((p) => p.name === name);
    const known = pins.map((p) => p.name).join(", ") || "none";
    if (pin === undefined) {
      throw new SealError(`cluster ${name} is not pinned in .seal/clusters.yaml (pinned: ${known})`, `pin it with \`kubectl seal fetch-keys --cluster ${name} --context CONTEXT\``);
    }
    if (pin.bundle === undefined) {
      throw new SealError(`pinned cluster ${name} has no saved key bundle`, `run \`kubectl seal fetch-keys --cluster ${name} --context CONTEXT\``);
    }
    try {
      return { name, keys: verifyBundle(pin.bundle, pin.signer).keys };
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      throw new BundleError(`the saved bundle of cluster ${name} in .seal/clusters.yaml is not trusted: ${problem}`, "", { cause: error });
    }
  });
  const keys = unionForSealing(perCluster, request.now ?? new Date());
  return { keys, sources: perCluster.map((c) => c.name) };
}

/**
 * The keys to seal to for several clusters at once. Each cluster's expired keys are dropped (a cluster left
 * without keys is refused: its bundle is stale). One age file never mixes post-quantum and classic recipients,
 * and sealingRecipients() picks one type from the union, so a type only some clusters offer is dropped: every
 * cluster keeps at least one key of the type sealed to, and so can open every value.
 */
export function unionForSealing(clusters: ReadonlyArray<{ name: string; keys: readonly PublicKey[] }>, now: Date): PublicKey[] {
  const current = clusters.map(({ name, keys }) => {
    const live = keys.filter((key) => key.expires === undefined || Date.parse(key.expires) > now.getTime());
    if (live.length === 0) {
      throw new SealError(`every key in the saved bundle of cluster ${name} has expired`, `run \`kubectl seal fetch-keys --cluster ${name}\` for its new keys`);
    }
    return { name, keys: live };
  });
  const offer = (type: KeyType): boolean => current.every(({ keys }) => keys.some((key) => key.type === type));
  const types = (["mlkem768x25519", "x25519"] as const).filter(offer);
  if (types.length === 0) {
    const describe = current.map(({ name, keys }) => `${name}: ${[...new Set(keys.map((k) => k.type))].join("+")}`).join("; ");
    throw new SealError(
      `the clusters have no key type in common (${describe}), and one value cannot mix post-quantum and classic recipients`,
      "seal for these clusters separately, or give them a common key type",
    );
  }
  const seen = new Set<string>();
  return current
    .flatMap(({ keys }) => keys)
    .filter((key) => types.includes(key.type) && !seen.has(key.id) && seen.add(key.id));
}
