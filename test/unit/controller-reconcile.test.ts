// The pure parts of reconcile: the desired Secret, ownership, and the comparison that keeps resyncs quiet.
import fc from "fast-check";
import type { V1Secret } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
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

/** What the API server gives back for a Secret we wrote: our fields plus its own metadata. */
function stored(s: V1Secret): V1Secret {
  return { ...s, metadata: { ...s.metadata, uid: "secret-uid", resourceVersion: "42", managedFields: [] }, type: s.type };
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
        expect(sameSecret(stored(desired), desired)).toBe(true);
      }),
    );
  });

  it("any hand edit of data, labels, annotations or type is noticed", () => {
    fc.assert(
      fc.property(plain, fc.constantFrom("data", "labels", "annotations", "type", "owner"), (p: PlainSecret, field) => {
        const desired = desiredSecret(sealed, p);
        const edited = stored(desired);
        const meta = edited.metadata ?? {};
        if (field === "data") edited.data = { ...edited.data, "hand-edit": "eA==" };
        if (field === "labels") meta.labels = { ...meta.labels, "hand-edit": "x" };
        if (field === "annotations") meta.annotations = { ...meta.annotations, "hand-edit": "x" };
        if (field === "type") edited.type = "hand/edited";
        if (field === "owner") meta.ownerReferences = [];
        expect(sameSecret(edited, desired)).toBe(false);
      }),
    );
  });
});
