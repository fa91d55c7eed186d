// The SealedSecret CRD's schema on the real API server: malformed objects are refused at apply time, well-formed
// ones are accepted, and `kubectl get sealed` shows the printer columns.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../control-plane/cluster.ts";
import { repoRoot } from "./helpers/controller.js";
import { createNamespace, ensureCrd, kube, statusCode, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";

let k: Kube;
const ns = uniqueName("seal-crd");
const AGE_B64 = Buffer.from("age-encryption.org/v1\n-> X25519 abc\n").toString("base64");

function sealedSecret(name: string, spec: unknown): object {
  return { apiVersion: "seal.dev/v1alpha1", kind: "SealedSecret", metadata: { name, namespace: ns }, spec };
}

async function createError(body: object): Promise<{ code: number | undefined; message: string }> {
  try {
    await k.custom.createNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", plural: "sealedsecrets", namespace: ns, body });
  } catch (err) {
    return { code: statusCode(err), message: String((err as { body?: unknown }).body) };
  }
  return { code: 201, message: "" };
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrd(k, readFileSync(join(repoRoot, "manifests/crd.yaml"), "utf8"));
  await createNamespace(k, ns);
});

describe("SealedSecret CRD", () => {
  it("accepts a well-formed SealedSecret", async () => {
    const ok = sealedSecret("good", {
      scope: "strict",
      encryptedData: { "tls.crt": AGE_B64, password: AGE_B64 },
      sealedTo: { password: ["abc123"] },
      template: { metadata: { labels: { app: "x" }, annotations: { a: "b" } }, type: "Opaque", immutable: false },
    });
    expect(await createError(ok)).toEqual({ code: 201, message: "" });
  });

  const malformed: [string, unknown, string][] = [
    ["no spec", undefined, "spec"],
    ["no scope", { encryptedData: { a: AGE_B64 } }, "scope"],
    ["an unknown scope", { scope: "global", encryptedData: { a: AGE_B64 } }, "scope"],
    ["no encryptedData", { scope: "strict" }, "encryptedData"],
    ["a value that is not base64", { scope: "strict", encryptedData: { a: "not base64!" } }, "encryptedData"],
    ["a value that is not a string", { scope: "strict", encryptedData: { a: 42 } }, "encryptedData"],
    ["a data key with a slash", { scope: "strict", encryptedData: { "a/b": AGE_B64 } }, "data keys"],
    ["sealedTo that is not a list", { scope: "strict", encryptedData: { a: AGE_B64 }, sealedTo: { a: "id" } }, "sealedTo"],
    ["template labels that are not strings", { scope: "strict", encryptedData: { a: AGE_B64 }, template: { metadata: { labels: { a: 1 } } } }, "labels"],
    ["template immutable that is not a boolean", { scope: "strict", encryptedData: { a: AGE_B64 }, template: { immutable: "yes" } }, "immutable"],
  ];
  it.each(malformed)("refuses a SealedSecret with %s", async (_what, spec, field) => {
    // A fresh name each time, so an accepted object could not make a later case fail for the wrong reason (409).
    const name = uniqueName("bad");
    const body = spec === undefined ? { apiVersion: "seal.dev/v1alpha1", kind: "SealedSecret", metadata: { name, namespace: ns } } : sealedSecret(name, spec);
    const result = await createError(body);
    expect(result.code).toBe(422);
    expect(result.message).toContain(field);
  });

  it("shows Status, Key and Age columns in kubectl get sealed", async () => {
    await k.custom.patchNamespacedCustomObjectStatus(
      {
        group: "seal.dev",
        version: "v1alpha1",
        plural: "sealedsecrets",
        namespace: ns,
        name: "good",
        body: [
          {
            op: "add",
            path: "/status",
            value: {
              keyIds: ["k1"],
              conditions: [{ type: "Ready", status: "True", reason: "Unsealed", message: "ok", lastTransitionTime: new Date().toISOString() }],
            },
          },
        ],
      },
      (await import("@kubernetes/client-node")).setHeaderOptions("Content-Type", "application/json-patch+json"),
    );
    const out = execFileSync(cluster().kubectl, ["--kubeconfig", cluster().kubeconfig, "get", "sealed", "good", "-n", ns], { encoding: "utf8" });
    const [header, row] = out.trim().split("\n");
    expect(header?.split(/\s+/)).toEqual(["NAME", "STATUS", "KEY", "AGE"]);
    expect(row).toMatch(/^good\s+Unsealed\s+\["k1"\]\s+\d+s$/);
  });
});
