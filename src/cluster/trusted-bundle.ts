// A cluster's key bundle read through the Kubernetes API (ConfigMap kubectl-seal-keys, key bundle.yaml, in the
// controller's namespace: readable by every authenticated user), checked against the repository's pin of that
// cluster and recorded there. The first sight of a cluster pins its signer; later bundles must carry the same one.
import { CoreV1Api } from "@kubernetes/client-node";
import { parse } from "yaml";
import { fingerprintOf } from "../bundle.js";
import { SealError } from "../errors.js";
import type { KeyBundle } from "../types.js";
import type { ClusterOptions } from "../cli/cluster-flags.js";
import { apiError, connect, type ClusterConnection } from "./kube.js";

// Types of the Git side, which this module loads only when it runs (the offline path never loads Git).
type PinnedCluster = import("../git/known-keys.js").PinnedCluster;
type PinChange = import("../git/pin-store.js").PinChange;

export const BUNDLE_CONFIGMAP = "kubectl-seal-keys";
export const BUNDLE_KEY = "bundle.yaml";

export interface TrustedBundle {
  /** The pin name of the cluster. */
  name: string;
  bundle: KeyBundle;
  pin: PinnedCluster;
  change: PinChange;
  /** Root of the repository whose .seal/clusters.yaml holds the pin. */
  root: string;
  conn: ClusterConnection;
}

export interface TrustOptions extends ClusterOptions {
  /** Pin name (--cluster); default: the pin already recorded for this context, else the context's name. */
  cluster?: string | undefined;
  /** Where to look for the repository. */
  cwd: string;
  repin?: boolean;
}

/** The published bundle document of the cluster `conn` points at (not yet verified). */
export async function readPublishedBundle(conn: ClusterConnection): Promise<unknown> {
  const where = `reading the key bundle (ConfigMap ${conn.controllerNamespace}/${BUNDLE_CONFIGMAP})`;
  let text: string | undefined;
  try {
    const configMap = await conn.kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: BUNDLE_CONFIGMAP, namespace: conn.controllerNamespace });
    text = configMap.data?.[BUNDLE_KEY];
  } catch (error) {
    throw apiError(error, where, conn);
  }
  if (text === undefined) {
    throw new SealError(`${where} on cluster ${conn.context}: it has no ${BUNDLE_KEY}`, "the controller has not published its keys yet; check that it is running");
  }
  try {
    return parse(text) as unknown;
  } catch {
    throw new SealError(`${where} on cluster ${conn.context}: ${BUNDLE_KEY} is not YAML`, "the ConfigMap was edited by hand; restart the controller to publish it again");
  }
}

/** The repository root at or above `cwd`, or a SealError saying why pins need one. */
export async function pinRepository(cwd: string): Promise<string> {
  const { findRepository } = await import("../git/repo.js");
  try {
    return (await findRepository(cwd)).dir;
  } catch (error) {
    throw new SealError(
      `${cwd} is not inside a Git repository, so there is no .seal/clusters.yaml to pin the cluster's identity in`,
      "run the command inside the repository that holds your sealed files (or `git init` one), or pass --keys BUNDLE",
      { cause: error },
    );
  }
}

/**
 * Fetches the bundle of the cluster the options point at, verifies it against the pinned signer (pinning it on
 * first sight, under --cluster or the context's name), and saves it with the pin.
 */
export async function fetchTrustedBundle(options: TrustOptions): Promise<TrustedBundle> {
  const root = await pinRepository(options.cwd);
  const conn = connect(options);
  const document = await readPublishedBundle(conn);
  const { readPinnedClusters } = await import("../git/known-keys.js");
  const { pinBundle, updatePins } = await import("../git/pin-store.js");
  const name = options.cluster ?? pinNameFor(readPinnedClusters(root), conn.context, conn.controllerNamespace);
  let outcome: ReturnType<typeof pinBundle> | undefined;
  await updatePins(root, (pins) => {
    outcome = pinBundle(pins, {
      name,
      document,
      context: conn.context,
      server: conn.server,
      controllerNamespace: conn.controllerNamespace,
      ...(options.repin === undefined ? {} : { repin: options.repin }),
    });
    return outcome.pins;
  });
  const { pin, bundle, change } = outcome!;
  return { name, bundle, pin, change, root, conn };
}

/**
 * The pin recorded for this context and controller namespace, else one named like the context. (Two controllers
 * reached through one context, in different namespaces, are two clusters to kubectl-seal.)
 */
export function pinNameFor(pins: readonly PinnedCluster[], context: string, controllerNamespace: string): string {
  return pins.find((pin) => pin.context === context && (pin.controllerNamespace ?? controllerNamespace) === controllerNamespace)?.name ?? context;
}

/** What to tell the user about a pin that was just made or changed (undefined when nothing changed). */
export function pinNote(trusted: TrustedBundle, file: string): string | undefined {
  const fingerprint = fingerprintOf(trusted.bundle.signer);
  const ids = trusted.bundle.keys.map((key) => key.id).join(", ");
  switch (trusted.change) {
    case "pinned":
      return `Pinned cluster ${trusted.name} (identity ${fingerprint}) in ${file}: confirm this fingerprint with the cluster's admin, then commit the file.`;
    case "repinned":
      return `Replaced the pinned identity of cluster ${trusted.name} with ${fingerprint} in ${file}; commit the file.`;
    case "updated":
      return `Saved the key bundle of cluster ${trusted.name} (keys ${ids}) in ${file}.`;
    default:
      return undefined;
  }
}
