// `helm install` of charts/kubectl-seal against the real API server, as the README says to run it: the CRDs, the
// namespace (made by --create-namespace, then owned by the release with its PodSecurity label) and every templated
// object are created; `helm uninstall` removes the release but keeps the namespace (the keys) and the CRDs.
import { execFileSync } from "node:child_process";
import { AppsV1Api, ApiextensionsV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../control-plane/cluster.ts";
import { helm } from "./helpers/helm.js";
import type { Helm } from "./helpers/helm.js";
import { kube, orUndefined, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";

const namespace = uniqueName("seal-helm");
let run: Helm;
let k: Kube;
let apps: AppsV1Api;
let rbac: RbacAuthorizationV1Api;
let crds: ApiextensionsV1Api;

function helmOn(args: string[]): ReturnType<Helm> {
  return run([...args, "--kubeconfig", cluster().kubeconfig]);
}

beforeAll(() => {
  run = helm();
  k = kube(cluster().kubeconfig);
  apps = k.kc.makeApiClient(AppsV1Api);
  rbac = k.kc.makeApiClient(RbacAuthorizationV1Api);
  crds = k.kc.makeApiClient(ApiextensionsV1Api);
  // Other test files apply manifests/ to this shared control plane and leave its cluster-wide objects behind; a
  // fresh install must not find them (Helm refuses to take over objects it did not create).
  const clusterWide = run
    .template([])
    .filter((o) => o.metadata.namespace === undefined && !["Namespace", "CustomResourceDefinition"].includes(o.kind))
    .map((o) => `${o.kind}.${o.apiVersion.split("/")[0] ?? ""}/${o.metadata.name}`); // e.g. ClusterRole.rbac.authorization.k8s.io/NAME
  execFileSync(cluster().kubectl, ["--kubeconfig", cluster().kubeconfig, "delete", "--ignore-not-found", ...clusterWide], { stdio: "pipe" });
});

describe("helm install", () => {
  it("installs the chart into a namespace it creates, owning it with its PodSecurity label", async () => {
    const result = helmOn(["install", "kubectl-seal", "charts/kubectl-seal", "-n", namespace, "--create-namespace"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("STATUS: deployed");
    expect(result.stdout).toContain(`kubectl seal fetch-keys --cluster NAME --controller-namespace ${namespace}`);

    const ns = await k.core.readNamespace({ name: namespace });
    expect(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(ns.metadata?.annotations).toMatchObject({ "helm.sh/resource-policy": "keep", "meta.helm.sh/release-name": "kubectl-seal" });
    for (const name of ["sealedsecrets.seal.dev", "sealrequests.seal.dev"]) {
      expect((await crds.readCustomResourceDefinition({ name })).metadata?.name).toBe(name);
    }
    const deployment = await apps.readNamespacedDeployment({ name: "kubectl-seal-controller", namespace });
    expect(deployment.spec?.template.spec?.serviceAccountName).toBe("kubectl-seal-controller");
    const binding = await rbac.readClusterRoleBinding({ name: "kubectl-seal-controller" });
    expect(binding.subjects?.map((s) => `${s.namespace}/${s.name}`)).toEqual([`${namespace}/kubectl-seal-controller`]);
  });

  it("applies changed values with helm upgrade", async () => {
    const result = helmOn(["upgrade", "kubectl-seal", "charts/kubectl-seal", "-n", namespace, "--set", "replicas=1,logLevel=debug"]);
    expect(result.status).toBe(0);
    const deployment = await apps.readNamespacedDeployment({ name: "kubectl-seal-controller", namespace });
    expect(deployment.spec?.replicas).toBe(1);
    expect(deployment.spec?.template.spec?.containers[0]?.args).toContain("--log-level=debug");
  });

  it("uninstalls the release but keeps the namespace holding the keys, and the CRDs", async () => {
    const result = helmOn(["uninstall", "kubectl-seal", "-n", namespace, "--wait"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`[Namespace] ${namespace}`); // "These resources were kept due to the resource policy"
    expect(await orUndefined(apps.readNamespacedDeployment({ name: "kubectl-seal-controller", namespace }))).toBeUndefined();
    expect(await orUndefined(rbac.readClusterRole({ name: "kubectl-seal-controller" }))).toBeUndefined();
    expect((await k.core.readNamespace({ name: namespace })).status?.phase).toBe("Active");
    expect((await crds.readCustomResourceDefinition({ name: "sealedsecrets.seal.dev" })).metadata?.name).toBe("sealedsecrets.seal.dev");
    await k.core.deleteNamespace({ name: namespace });
  });
});
