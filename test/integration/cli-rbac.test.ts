// RBAC decides who may verify and re-encrypt, per namespace: alice, bound to the kubectl-seal-requester
// ClusterRole (manifests/rbac.yaml) in one namespace only, can verify and reencrypt that namespace's files through
// `kubectl seal` and is refused elsewhere with one line naming the namespace and the role to ask for.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RbacAuthorizationV1Api, type V1ClusterRole, type V1Role, type V1RoleBinding } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { cluster, kubeconfigFor } from "../control-plane/cluster.ts";
import { makeRepo, type TempRepo } from "../unit/git-fixtures.js";
import { repoRoot, startController, stopAllControllers, type ControllerProcess } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, kube, publishedBundle, statusCode, uniqueName, type Kube } from "./helpers/kube.js";
import { kubectlSeal, kubectlSealOk, pluginOutput } from "./helpers/plugin.js";
import { ensureCrds } from "./keys-support.js";

let k: Kube;
const [ctl, allowed, other] = [uniqueName("cli-rbac"), uniqueName("cli-rbac-ok"), uniqueName("cli-rbac-no")];
const values: string[] = [];
let controller: ControllerProcess;
let r: TempRepo;

function value(): string {
  const v = `v-${randomBytes(12).toString("hex")}`;
  values.push(v);
  return v;
}

/** The manifests/rbac.yaml object of this kind and name, moved to `namespace` when it is namespaced. */
function manifest<T>(kind: string, name: string, namespace?: string): T {
  const docs = parseAllDocuments(readFileSync(join(repoRoot, "manifests/rbac.yaml"), "utf8")).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } });
  const found = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!found) throw new Error(`manifests/rbac.yaml has no ${kind} ${name}`);
  return (namespace === undefined ? found : { ...found, metadata: { ...found.metadata, namespace } }) as T;
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrds(k);
  for (const ns of [ctl, allowed, other]) await createNamespace(k, ns);
  const rbac = k.kc.makeApiClient(RbacAuthorizationV1Api);
  try {
    await rbac.createClusterRole({ body: manifest<V1ClusterRole>("ClusterRole", "kubectl-seal-requester") });
  } catch (error) {
    if (statusCode(error) !== 409) throw error; // another test file made it already
  }
  // Everyone may read the bundle (as manifests/rbac.yaml grants in the controller's namespace).
  await rbac.createNamespacedRole({ namespace: ctl, body: manifest<V1Role>("Role", "kubectl-seal-keys-reader", ctl) });
  await rbac.createNamespacedRoleBinding({ namespace: ctl, body: manifest<V1RoleBinding>("RoleBinding", "kubectl-seal-keys-reader", ctl) });
  // alice may ask about files of `allowed` only.
  await rbac.createNamespacedRoleBinding({
    namespace: allowed,
    body: {
      metadata: { name: "seal-requesters" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "kubectl-seal-requester" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
    },
  });
  controller = await startController({ kubeconfig: cluster().kubeconfig, namespace: ctl, watchNamespaces: [allowed, other], args: ["--leader-elect", "false"] });
  await publishedBundle(k, ctl);
  r = makeRepo();
});

afterAll(async () => {
  await stopAllControllers();
  r.remove();
  assertNoneContain({ ...pluginOutput, controller: controller.output() }, values);
});

describe("RBAC for verify and reencrypt", () => {
  it("lets alice verify and reencrypt in her namespace and refuses her elsewhere, naming namespace and role", async () => {
    const alice = { cwd: r.dir, kubeconfig: kubeconfigFor("alice") };
    const flags = ["--controller-namespace", ctl];
    await kubectlSealOk(["fetch-keys", "--cluster", "prod", ...flags], alice);
    for (const [ns, file] of [[allowed, "mine.yaml"], [other, "theirs.yaml"]] as const) {
      await kubectlSealOk(["--cluster", "prod", "-n", ns, "--name", "db", "--from-literal", `password=${value()}`, "-w", file], alice);
    }

    await kubectlSealOk(["verify", "mine.yaml", ...flags], alice);
    const refused = await kubectlSeal(["verify", "theirs.yaml", ...flags], alice);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `kubectl-seal: error: creating a Verify SealRequest in namespace ${other} on cluster alice: forbidden (403): ` +
        `ask a cluster admin to bind the ClusterRole kubectl-seal-requester to you in namespace ${other} (creating sealrequests.seal.dev there), or use another --context\n`,
    );

    // Key changes are for key admins: alice is refused, the admin rotates.
    const rotate = await kubectlSeal(["keys", "rotate", ...flags], alice);
    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toContain(`bind the Role kubectl-seal-key-admin to you in namespace ${ctl}`);
    await kubectlSealOk(["keys", "rotate", ...flags], { cwd: r.dir });

    const before = readFileSync(join(r.dir, "mine.yaml"), "utf8");
    const reencrypted = await kubectlSealOk(["reencrypt", "mine.yaml", ...flags], alice);
    expect(reencrypted.stdout).toMatch(/mine\.yaml\s+\S+\/db\s+re-sealed\s+password/);
    expect(readFileSync(join(r.dir, "mine.yaml"), "utf8")).not.toBe(before);

    const theirs = readFileSync(join(r.dir, "theirs.yaml"), "utf8");
    const denied = await kubectlSeal(["reencrypt", "theirs.yaml", ...flags], alice);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toContain(`creating a Reencrypt SealRequest in namespace ${other} on cluster alice: forbidden (403)`);
    expect(readFileSync(join(r.dir, "theirs.yaml"), "utf8")).toBe(theirs);
  });
});
