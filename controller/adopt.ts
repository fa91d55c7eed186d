// Taking over a Secret that Bitnami Sealed Secrets' controller made, when its SealedSecret was migrated
// (`kubectl seal migrate`). The Secret is owned by Bitnami's SealedSecret; once that is deleted, Kubernetes' garbage
// collector deletes every dependent without another owner. So as soon as our SealedSecret of the same name exists
// and opens to exactly the data the Secret holds, ownership moves to it in ONE write that touches nothing but
// metadata.ownerReferences (resourceVersion as precondition): no value is written, no Pod that mounts the Secret
// notices, and from then on the garbage collector has nothing to do with Bitnami's object. Bitnami's reference is
// dropped in that same write rather than kept as a second owner: a Secret may have only one controller, and a
// lingering owner would keep the Secret alive after our SealedSecret is deleted. Data that differs is not adopted
// (the caller reports the usual conflict): silently replacing values is what this must never do.
import type { CoreV1Api, V1OwnerReference, V1Secret } from "@kubernetes/client-node";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { BITNAMI_API_VERSION } from "../src/bitnami/sealed-secret.js";
import { describeApiError } from "./audit.js";
import { dataDigest, type CachedSecret } from "./cached-objects.js";

const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** The controller reference of a Bitnami SealedSecret of the Secret's own name, if the Secret has one. */
export function bitnamiOwner(secret: CachedSecret): V1OwnerReference | undefined {
  return (secret.metadata?.ownerReferences ?? []).find(
    (r) => r.controller === true && r.kind === "SealedSecret" && r.apiVersion === BITNAMI_API_VERSION && r.name === secret.metadata?.name,
  );
}

/** Whether `existing` (Bitnami's) already holds exactly the data and type `desired` would write. */
export function adoptable(existing: CachedSecret, desired: V1Secret): boolean {
  return bitnamiOwner(existing) !== undefined && existing.dataDigest === dataDigest(desired.data) && (existing.type ?? "Opaque") === desired.type;
}

/**
 * Moves ownership of `existing` to the owner named in `desired` and returns the Secret's new resourceVersion;
 * throws on API errors (the sync is retried).
 */
export async function adoptSecret(core: CoreV1Api, existing: CachedSecret, desired: V1Secret): Promise<string | undefined> {
  const { name = "", namespace = "", resourceVersion } = existing.metadata ?? {};
  try {
    const adopted = await core.patchNamespacedSecret(
      { name, namespace, body: { metadata: { resourceVersion, ownerReferences: desired.metadata?.ownerReferences ?? [] } } },
      MERGE_PATCH,
    );
    return adopted.metadata?.resourceVersion;
  } catch (err) {
    // 409: the Secret changed since the cache saw it; the retry looks at it afresh.
    throw new Error(`could not adopt Secret ${namespace}/${name} from Bitnami's SealedSecret: ${describeApiError(err)}`, { cause: err });
  }
}
