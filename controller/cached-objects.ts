// What the informer caches keep of each object. The controller holds every SealedSecret and every Secret of the
// watched namespaces in memory for as long as it leads, so per-object size is the controller's memory. Kept out:
// metadata.managedFields (the API server's field-ownership bookkeeping, often the largest part of the metadata,
// read by nothing here) and the values of Secrets: to notice that a Secret's data was edited by hand, reconcile
// compares a digest of it with a digest of the data it would write. Of a SealedSecret only what decides whether
// there is work to do is kept (identity, generation, status): its sealed values (kilobytes each with post-quantum
// keys) and annotations (kubectl apply's last-applied-configuration copies the whole spec) stay on the API
// server, and sync reads the object when it has to unseal it.
import { createHmac, randomBytes } from "node:crypto";
import type { KubernetesObject, V1Secret } from "@kubernetes/client-node";
import type { SealedSecret } from "../src/types.js";
import { byCodeUnits } from "./order.js";

/** A Secret as cached: everything but its values, which are replaced by a digest of them. */
export type CachedSecret = Omit<V1Secret, "data" | "stringData"> & {
  /** dataDigest(data) of the Secret as the API server sent it. */
  dataDigest: string;
};

// Keyed per process, so a digest means nothing outside this process: it cannot be used to test guesses of a value.
const DIGEST_KEY = randomBytes(32);

/** A digest of a Secret's data (base64 values by key); key order does not matter, absent and empty are the same. */
export function dataDigest(data: Record<string, string> | undefined): string {
  const entries = Object.entries(data ?? {}).sort(([a], [b]) => byCodeUnits(a, b));
  // JSON of the pairs: keys and values cannot run into each other.
  return createHmac("sha256", DIGEST_KEY).update(JSON.stringify(entries)).digest("base64");
}

/** `o` without metadata.managedFields; `o` itself when it has none. */
export function withoutManagedFields<T extends KubernetesObject>(o: T): T {
  if (o.metadata?.managedFields === undefined) return o;
  const { managedFields: _dropped, ...metadata } = o.metadata;
  return { ...o, metadata };
}

/** What the Secret cache keeps of a Secret. */
export function cachedSecret(secret: V1Secret): CachedSecret {
  const { data, stringData: _never, ...rest } = withoutManagedFields(secret);
  return { ...rest, dataDigest: dataDigest(data) };
}

/** A SealedSecret as cached: metadata that identifies it, and its status; no spec. */
export type CachedSealedSecret = Pick<SealedSecret, "apiVersion" | "kind" | "metadata" | "status">;

/** What the SealedSecret cache keeps of a SealedSecret. */
export function cachedSealedSecret(sealed: SealedSecret & KubernetesObject): CachedSealedSecret & KubernetesObject {
  const { name, namespace, uid, generation, resourceVersion, deletionTimestamp } = sealed.metadata;
  return {
    apiVersion: sealed.apiVersion,
    kind: sealed.kind,
    metadata: { name, namespace, uid, generation, resourceVersion, deletionTimestamp },
    ...(sealed.status === undefined ? {} : { status: sealed.status }),
  };
}
