// The pure parts of reconcile: the desired Secret, ownership, and the comparison that keeps resyncs quiet. The
// Secret compared is the cached shape (cached-objects.ts: no values, a digest of them, no managedFields).
import fc from "fast-check";
import type { V1Secret } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { cachedSecret, dataDigest, withoutManagedFields } from "../../controller/cached-objects.js";
import type { CachedSecret } from "../../controller/cached-objects.js";
import { desiredSecret, ownedBy, sameSecret } from "../../controller/reconcile.js";
import type { PlainSecret, SealedSecret } from "../../src/index.js";

const sealed: SealedSecret = {
  apiVersion: "seal.dev/v1alpha1",
  kind: "SealedSecret",
  metadata: { name: "db", namespace: "app", uid: "uid-1", generation: 1 },
  spec: { scope: "strict", encryptedData: { a: "AAAA" }, template: { metadata: { labels: { app: "db" } }, type: "Opaque" } },
};

const name = fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}$/);
const strings = fc.dictionary(name, fc.string({ maxLength: 8 }), { maxKeys: 4 });
const plain = fc.record({
  data: fc.dictionary(name, fc.uint8Array({ maxLength: 16 }), { maxKeys: 4 }),
  labels: fc.option(strings, { nil: undefined }),
  annotations: fc.option(strings, { nil: undefined }),
  type: fc.option(fc.constantFrom("Opaque", "kubernetes.io/tls", "example.com/x"), { nil: undefined }),
  immutable: fc.option(fc.boolean(), { nil: undefined }),
});

const managedFields = [{ manager: "kubectl-seal-controller", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": {} } }];

/** What the API server gives back for a Secret we wrote: our fields plus its own metadata. */
function stored(s: V1Secret): V1Secret {
  return { ...s, metadata: { ...s.metadata, uid: "secret-uid", resourceVersion: "42", managedFields }, type: s.type };
}

/** What the informer cache keeps of it. */
function cached(s: V1Secret): CachedSecret {
  return cachedSecret(stored(s));
}

describe("reconcile helpers", () => {
  it("the desired Secret is owned by its SealedSecret with controller and blockOwnerDeletion", () => {
    const secret = desiredSecret(sealed, { data: { a: new TextEncoder().encode("x") } });
    expect(secret.metadata?.ownerReferences).toEqual([
      { apiVersion: "seal.dev/v1alpha1", kind: "SealedSecret", name: "db", uid: "uid-1", controller: true, blockOwnerDeletion: true },
    ]);
    expect(secret.metadata?.labels).toEqual({ app: "db" });
    expect(secret.data).toEqual({ a: "eA==" });
    expect(ownedBy(secret, sealed)).toBe(true);
    expect(ownedBy({ ...secret, metadata: { ...secret.metadata, ownerReferences: [] } }, sealed)).toBe(false);
  });

  it("a Secret as stored compares equal to what we wrote: resyncs write nothing", () => {
    fc.assert(
      fc.property(plain, (p: PlainSecret) => {
        const desired = desiredSecret(sealed, p);
        expect(sameSecret(cached(desired), desired)).toBe(true);
      }),
    );
  });

  it("any hand edit of data, labels, annotations or type is noticed", () => {
    fc.assert(
      fc.property(plain, fc.constantFrom("data", "labels", "annotations", "type", "owner"), (p: PlainSecret, field) => {
        const desired = desiredSecret(sealed, p);
        const edited = structuredClone(desired);
        const meta = edited.metadata ?? {};
        if (field === "data") edited.data = { ...edited.data, "hand-edit": "eA==" };
        if (field === "labels") meta.labels = { ...meta.labels, "hand-edit": "x" };
        if (field === "annotations") meta.annotations = { ...meta.annotations, "hand-edit": "x" };
        if (field === "type") edited.type = "hand/edited";
        if (field === "owner") meta.ownerReferences = [];
        expect(sameSecret(cached(edited), desired)).toBe(false);
      }),
    );
  });

  it("a hand edit of one value, or a value moved to another key, is noticed through the digest", () => {
    fc.assert(
      fc.property(plain.filter((p) => Object.keys(p.data).length > 0), fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.boolean(), (p: PlainSecret, other, rename) => {
        const desired = desiredSecret(sealed, p);
        const data = { ...desired.data };
        const [key, value] = Object.entries(data)[0] ?? ["", ""];
        if (rename) {
          delete data[key];
          data[`${key}-moved`] = value;
        } else {
          const edited = Buffer.from(other).toString("base64");
          fc.pre(edited !== value);
          data[key] = edited;
        }
        expect(sameSecret(cached({ ...desired, data }), desired)).toBe(false);
      }),
    );
  });
});

const CANARY = Buffer.from("cache-canary-value").toString("base64");

describe("cached shape", () => {
  it("keeps no value and no managedFields, and everything else reconcile reads", () => {
    fc.assert(
      fc.property(plain, (p: PlainSecret) => {
        const desired = desiredSecret(sealed, p);
        const full = stored({ ...desired, data: { ...desired.data, canary: CANARY } });
        const kept = cachedSecret({ ...full, stringData: { s: "x" } });
        expect(kept).not.toHaveProperty("data");
        expect(kept).not.toHaveProperty("stringData");
        expect(kept.metadata).not.toHaveProperty("managedFields");
        const { managedFields: _m, ...metadata } = full.metadata ?? {};
        expect({ ...kept, dataDigest: undefined }).toEqual({ ...full, data: undefined, metadata, dataDigest: undefined });
        expect(JSON.stringify(kept)).not.toContain(CANARY);
      }),
    );
  });

  it("the data digest ignores key order and tells different data apart", () => {
    const data = fc.dictionary(name, fc.base64String({ maxLength: 12 }), { maxKeys: 4 });
    fc.assert(
      fc.property(data, data, (a, b) => {
        const reversed = Object.fromEntries(Object.entries(a).reverse());
        expect(dataDigest(reversed)).toBe(dataDigest(a));
        const same = JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
        expect(dataDigest(a) === dataDigest(b)).toBe(same);
      }),
    );
    expect(dataDigest(undefined)).toBe(dataDigest({}));
  });

  it("an object without managedFields is kept as it is", () => {
    const s: V1Secret = { metadata: { name: "a" } };
    expect(withoutManagedFields(s)).toBe(s);
  });
});
