// Who may ask: RBAC on SealRequests, per namespace, with the roles and admission policy of manifests/. alice is
// bound to kubectl-seal-requester in namespace A only: she verifies and re-encrypts A's files there, gets 403 in
// B, and may add extra recipients only once she may also read A's Secrets (re-sealing to a recipient of her
// choice would otherwise hand her the values). bob, bound to nothing, may ask nothing.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { CustomObjectsApi, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "../../src/index.js";
import type { SealRequestSpec, SealRequestStatus } from "../../src/sealrequest.js";
import { cluster, kubeConfigFor } from "../control-plane/cluster.ts";
import { repoRoot, startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, kube, publishedBundle, sealSecret, statusCode, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";
import { ensureCrds } from "./keys-support.js";
import { TestValues } from "./requests-support.js";

const run = promisify(execFile);
const SR = { group: "seal.dev", version: "v1alpha1", plural: "sealrequests" };
let k: Kube;
let proc: ControllerProcess;
const controllerNs = uniqueName("seal-rbac");
const nsA = uniqueName("seal-rbac-a");
const nsB = uniqueName("seal-rbac-b");
const values = new TestValues();
const answers: string[] = [];

function as(user: "alice" | "bob"): CustomObjectsApi {
  return kubeConfigFor(user).makeApiClient(CustomObjectsApi);
}

async function create(api: CustomObjectsApi, namespace: string, name: string, spec: SealRequestSpec): Promise<void> {
  await api.createNamespacedCustomObject({ ...SR, namespace, body: { apiVersion: "seal.dev/v1alpha1", kind: "SealRequest", metadata: { name }, spec } });
}

/** Polls as `api`'s user (who needs get) until the request has an answer. */
function answer(api: CustomObjectsApi, namespace: string, name: string): Promise<SealRequestStatus> {
  return waitFor(
    async () => {
      const status = ((await api.getNamespacedCustomObject({ ...SR, namespace, name })) as { status?: SealRequestStatus }).status;
      return status?.phase === undefined ? undefined : status;
    },
    { what: `SealRequest ${namespace}/${name} answered` },
  );
}

/** A RoleBinding in `namespace` giving alice the role. */
async function bindAlice(namespace: string, kind: "Role" | "ClusterRole", role: string): Promise<void> {
  await k.kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: `alice-${role}` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: role },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
    },
  });
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrds(k);
  const manifests = ["namespace.yaml", "rbac.yaml", "sealrequest-policy.yaml"].flatMap((f) => ["-f", join(repoRoot, "manifests", f)]);
  await run(cluster().kubectl, ["--kubeconfig", cluster().kubeconfig, "apply", ...manifests]);
  for (const ns of [controllerNs, nsA, nsB]) await createNamespace(k, ns);
  await bindAlice(nsA, "ClusterRole", "kubectl-seal-requester");
  proc = await startController({ kubeconfig: cluster().kubeconfig, namespace: controllerNs, watchNamespaces: [nsA, nsB], args: ["--leader-elect", "false"] });
});

afterAll(async () => {
  await stopAllControllers();
  assertNoneContain({ "controller output": proc.output(), "request statuses": answers.join("\n") }, values.all);
});

describe("SealRequest RBAC per namespace", () => {
  it("lets alice verify and re-encrypt in the namespace she is bound in, and nowhere else", async () => {
    const bundle = await publishedBundle(k, controllerNs);
    const fileA = await sealSecret({ name: "app", namespace: nsA, data: { token: values.next() } }, bundle.keys);
    const fileB = await sealSecret({ name: "app", namespace: nsB, data: { token: values.next() } }, bundle.keys);
    const alice = as("alice");

    await waitFor(() => create(alice, nsA, "verify", { action: "Verify", objects: [fileA] }).then(() => true), { what: "alice's RoleBinding to apply" });
    const verified = await answer(alice, nsA, "verify");
    answers.push(JSON.stringify(verified));
    expect(verified.results).toMatchObject([{ ok: true }]);

    await create(alice, nsA, "reencrypt", { action: "Reencrypt", objects: [fileA] });
    const reencrypted = await answer(alice, nsA, "reencrypt");
    answers.push(JSON.stringify(reencrypted));
    expect(reencrypted.phase).toBe("Complete");
    expect(reencrypted.results?.[0]?.sealedTo?.token).toBeDefined(); // x25519 file -> the post-quantum current key
    await alice.deleteNamespacedCustomObject({ ...SR, namespace: nsA, name: "reencrypt" });

    await expect(create(alice, nsB, "verify", { action: "Verify", objects: [fileB] })).rejects.toSatisfy((e) => statusCode(e) === 403);
    await expect(alice.getNamespacedCustomObject({ ...SR, namespace: nsB, name: "anything" })).rejects.toSatisfy((e) => statusCode(e) === 403);
    await expect(create(as("bob"), nsA, "bob", { action: "Verify", objects: [fileA] })).rejects.toSatisfy((e) => statusCode(e) === 403);
  });

  it("admits extra recipients only from users who may read the namespace's Secrets", async () => {
    const bundle = await publishedBundle(k, controllerNs);
    const file = await sealSecret({ name: "extra", namespace: nsA, data: { token: values.next() } }, bundle.keys);
    const mine = (await generateKey("x25519")).recipient;
    const alice = as("alice");
    const spec: SealRequestSpec = { action: "Reencrypt", objects: [file], recipients: [mine] };

    let refusal: unknown;
    await create(alice, nsA, "to-alice", spec).catch((e: unknown) => (refusal = e));
    expect(statusCode(refusal)).toBe(403);
    expect(String((refusal as { body?: unknown }).body)).toContain(`needs permission to get Secrets in namespace ${nsA}`);

    const rbac = k.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: nsA, body: { metadata: { name: "secret-reader" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }] } });
    await bindAlice(nsA, "Role", "secret-reader");
    await waitFor(() => create(alice, nsA, "to-alice", spec).then(() => true), { what: "alice's new Role to apply" });
    const status = await answer(alice, nsA, "to-alice");
    answers.push(JSON.stringify(status));
    expect(status.results).toMatchObject([{ ok: true }]);
  });
});
