// Publishes the signed public key bundle as ConfigMap kubectl-seal-keys (key bundle.yaml) in the controller's
// namespace. manifests/rbac.yaml lets every authenticated user get exactly this ConfigMap, so `kubectl seal`
// fetches keys through the Kubernetes API alone and checks the signature against the pinned signer.
import { CoreV1Api, type KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";
import { parse, stringify } from "yaml";
import { signBundle, verifyBundle } from "../src/index.js";
import type { KeyBundle, PublicKey } from "../src/index.js";
import { statusOf } from "./audit.js";

export const BUNDLE_CONFIGMAP = "kubectl-seal-keys";
export const BUNDLE_KEY = "bundle.yaml";

export class BundlePublisher {
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /**
   * Sign `keys` and write the bundle unless the published one already lists the same keys from the same
   * signer (so restarts do not churn the ConfigMap). Returns the ConfigMap's uid and whether it changed.
   * `beforeWrite` runs only when the bundle is about to change, with the bundle published so far (undefined if
   * none, or not ours) and the ConfigMap's uid: keys.ts records the rotation there, so a crash before the write
   * leaves the old bundle and the record is made again on the next start.
   */
  async publish(
    keys: PublicKey[],
    signer: { publicKey: string; secretKey: Uint8Array },
    beforeWrite?: (previous: KeyBundle | undefined, uid: string) => Promise<void>,
  ): Promise<{ uid: string; changed: boolean }> {
    const existing = await this.read();
    const previous = existing === undefined ? undefined : publishedBundle(existing, signer.publicKey);
    if (existing !== undefined && sameKeys(previous, keys)) {
      return { uid: existing.metadata?.uid ?? "", changed: false };
    }
    await beforeWrite?.(previous, existing?.metadata?.uid ?? "");
    const bundle = signBundle(keys, signer.secretKey);
    const body: V1ConfigMap = {
      metadata: {
        name: BUNDLE_CONFIGMAP,
        namespace: this.namespace,
        labels: { "app.kubernetes.io/name": "kubectl-seal", "app.kubernetes.io/component": "key-bundle" },
        ...(existing?.metadata?.resourceVersion === undefined ? {} : { resourceVersion: existing.metadata.resourceVersion }),
      },
      data: { [BUNDLE_KEY]: stringify(bundle) },
    };
    // resourceVersion makes the replace conditional: a concurrent writer makes this fail instead of being lost.
    const written =
      existing === undefined
        ? await this.core.createNamespacedConfigMap({ namespace: this.namespace, body })
        : await this.core.replaceNamespacedConfigMap({ name: BUNDLE_CONFIGMAP, namespace: this.namespace, body });
    return { uid: written.metadata?.uid ?? "", changed: true };
  }

  async read(): Promise<V1ConfigMap | undefined> {
    try {
      return await this.core.readNamespacedConfigMap({ name: BUNDLE_CONFIGMAP, namespace: this.namespace });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }
}

/** The published bundle if it parses and verifies against our signer; anything else is simply replaced. */
function publishedBundle(cm: V1ConfigMap, signer: string): KeyBundle | undefined {
  const text = cm.data?.[BUNDLE_KEY];
  if (text === undefined) return undefined;
  try {
    return verifyBundle(parse(text), signer);
  } catch {
    return undefined;
  }
}

function sameKeys(published: KeyBundle | undefined, keys: PublicKey[]): boolean {
  if (published === undefined) return false;
  const have = published.keys.map((k) => `${k.id}|${k.recipient}|${k.expires ?? ""}`);
  const want = keys.map((k) => `${k.id}|${k.recipient}|${k.expires ?? ""}`);
  return have.length === want.length && have.every((entry, i) => entry === want[i]);
}
