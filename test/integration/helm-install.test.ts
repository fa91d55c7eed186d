// `helm install` of charts/kubectl-seal on the run's real node (test/control-plane/node.ts), as the README says to
// run it: the CRDs, the namespace (made by --create-namespace, then owned by the release with its PodSecurity label)
// and every templated object are created, the controller Pod becomes Ready, and a sealed value reaches an
// application Pod (env and file). `helm uninstall` removes the release but keeps the namespace (the keys) and the
// CRDs. Values differ from the defaults only where the test node needs it, as test/node-overlay does for manifests/:
// host network with KUBERNETES_SERVICE_HOST/PORT (the API server listens on loopback), health server on loopback,
// one replica (two host-network Pods cannot share the port), the image imported into containerd (never pulled). It
// watches only the application's namespace, so the unseal also proves the per-namespace RBAC is enough.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { AppsV1Api, ApiextensionsV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../control-plane/api.ts";
import { cluster, startNode } from "../control-plane/cluster.ts";
import type { NodeInfo } from "../control-plane/cluster.ts";
import { helm } from "./helpers/helm.js";
import type { Helm } from "./helpers/helm.js";
import { assertNoneContain, createNamespace, createSealed, getSecret, kube, orUndefined, publishedBundle, sealSecret, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { kubectl, kubectlOutput, sha256, startAppPod } from "./helpers/node-pods.js";
import { waitFor } from "./helpers/wait.js";
import { keySecrets, keysOfType } from "./keys-support.js";

const namespace = uniqueName("seal-helm");
const appNs = uniqueName("seal-helm-app");
const DEPLOYMENT = "kubectl-seal-controller";
const helmOutput: string[] = [];
const values: string[] = [];
let run: Helm;
let k: Kube;
let node: NodeInfo;
let apps: AppsV1Api;
let rbac: RbacAuthorizationV1Api;
let crds: ApiextensionsV1Api;

function helmOn(args: string[]): ReturnType<Helm> {
  const result = run([...args, "--kubeconfig", cluster().kubeconfig]);
  helmOutput.push(result.stdout, result.stderr);
  return result;
}

async function controllerPodsGone(): Promise<void> {
  await kubectl(["wait", "--for=delete", "pod", "-l", `app.kubernetes.io/name=${DEPLOYMENT}`, "-n", namespace, "--timeout=120s"]);
}

beforeAll(async () => {
  run = helm();
  k = kube(cluster().kubeconfig);
  apps = k.kc.makeApiClient(AppsV1Api);
  rbac = k.kc.makeApiClient(RbacAuthorizationV1Api);
  crds = k.kc.makeApiClient(ApiextensionsV1Api);
  node = await startNode();
  // Other test files apply manifests/ to this shared control plane and leave its cluster-wide objects behind; a
  // fresh install must not find them (Helm refuses to take over objects it did not create).
  const clusterWide = [...run.template([]), ...run.template(["--set", "watchNamespaces={any}"])]
    .filter((o) => o.metadata.namespace === undefined && !["Namespace", "CustomResourceDefinition"].includes(o.kind))
    .map((o) => `${o.kind}.${o.apiVersion.split("/")[0] ?? ""}/${o.metadata.name}`); // e.g. ClusterRole.rbac.authorization.k8s.io/NAME
  await kubectl(["delete", "--ignore-not-found", ...new Set(clusterWide)]);
  await createNamespace(k, appNs);
}, 900_000);

afterAll(async () => {
  // Later test files run their own controllers: ours must be gone even if a test failed before uninstalling it.
  if (helmOn(["status", "kubectl-seal", "-n", namespace]).status === 0) helmOn(["uninstall", "kubectl-seal", "-n", namespace, "--wait"]);
  await controllerPodsGone().catch(() => undefined);
  for (const ns of [appNs, namespace]) await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]).catch(() => undefined);
}, 300_000);

describe("helm install on the real node", () => {
  it("installs the chart into a namespace it creates, owning it, and the controller Pod becomes Ready", async () => {
    const server = new URL(cluster().server);
    const image = node.images.controller;
    const result = helmOn([
      ...["install", "kubectl-seal", "charts/kubectl-seal", "-n", namespace, "--create-namespace", "--wait", "--timeout", "5m"],
      ...["--set", `image.repository=${image.slice(0, image.lastIndexOf(":"))},image.pullPolicy=Never`],
      ...["--set-string", `image.tag=${image.slice(image.lastIndexOf(":") + 1)}`],
      ...["--set", `replicas=1,watchNamespaces={${appNs}},hostNetwork=true,namespace.podSecurity=privileged`],
      ...["--set", `metricsHost=127.0.0.1,metricsPort=${await freePort()}`],
      ...["--set-string", `extraEnv[0].name=KUBERNETES_SERVICE_HOST,extraEnv[0].value=${server.hostname}`],
      ...["--set-string", `extraEnv[1].name=KUBERNETES_SERVICE_PORT,extraEnv[1].value=${server.port}`],
    ]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("STATUS: deployed");
    expect(result.stdout).toContain(`kubectl seal fetch-keys --cluster NAME --controller-namespace ${namespace}`);

    const ns = await k.core.readNamespace({ name: namespace });
    expect(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    expect(ns.metadata?.annotations).toMatchObject({ "helm.sh/resource-policy": "keep", "meta.helm.sh/release-name": "kubectl-seal" });
    for (const name of ["sealedsecrets.seal.dev", "sealrequests.seal.dev"]) {
      expect((await crds.readCustomResourceDefinition({ name })).metadata?.name).toBe(name);
    }
    // Watching one namespace, the controller may touch Secrets there and in its own, nowhere else.
    const may = (verb: string, ns: string) =>
      spawnSync(cluster().kubectl, ["--kubeconfig", cluster().kubeconfig, "auth", "can-i", verb, "secrets", "-n", ns,
        "--as", `system:serviceaccount:${namespace}:${DEPLOYMENT}`], { encoding: "utf8" }).stdout.trim();
    expect([may("create", appNs), may("get", namespace), may("get", "default"), may("list", "kube-system")]).toEqual(["yes", "yes", "no", "no"]);
    const deployment = await apps.readNamespacedDeployment({ name: DEPLOYMENT, namespace });
    expect(deployment.status?.readyReplicas).toBe(1);
  });

  it("unseals a SealedSecret into a Secret that an application Pod reads as an environment variable and as a file", async () => {
    const value = `helm-value-${randomBytes(12).toString("hex")}`;
    values.push(value);
    const bundle = await publishedBundle(k, namespace);
    await createSealed(k, await sealSecret({ name: "app-token", namespace: appNs, data: { token: value } }, keysOfType(bundle)));
    await waitFor(() => getSecret(k, appNs, "app-token"), { what: "Secret app-token", timeoutMs: 120_000 });
    await startAppPod(appNs, "app", "app-token", "token", node);
    const printed = [`env ${sha256(value)}`, `file ${sha256(value)}`];
    await waitFor(async () => {
      const log = await kubectl(["logs", "-n", appNs, "app"]);
      return printed.every((line) => log.includes(line));
    }, { what: "the application Pod to print the sealed value's hash (env and file)", timeoutMs: 120_000 });
  });

  it("no value appears in helm's output, the controller's logs or kubectl output", async () => {
    const logs = await kubectl(["logs", "-n", namespace, `deployment/${DEPLOYMENT}`]);
    expect(logs).toMatch(/"msg"/); // the structured log was read
    assertNoneContain({ "helm output": helmOutput.join("\n"), "controller logs": logs, "kubectl output": kubectlOutput.join("\n") }, values);
  });

  it("applies changed values with helm upgrade, rolling the controller Pod", async () => {
    const args = ["upgrade", "kubectl-seal", "charts/kubectl-seal", "-n", namespace, "--reuse-values", "--set", "logLevel=debug"];
    const result = helmOn([...args, "--wait", "--timeout", "5m"]);
    expect(result.status).toBe(0);
    const deployment = await apps.readNamespacedDeployment({ name: DEPLOYMENT, namespace });
    expect(deployment.spec?.template.spec?.containers[0]?.args).toContain("--log-level=debug");
    expect(deployment.status?.updatedReplicas).toBe(1);
    expect(deployment.status?.readyReplicas).toBe(1);
  });

  it("uninstalls the release but keeps the namespace holding the keys, and the CRDs", async () => {
    const result = helmOn(["uninstall", "kubectl-seal", "-n", namespace, "--wait"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`[Namespace] ${namespace}`); // "These resources were kept due to the resource policy"
    await controllerPodsGone();
    expect(await orUndefined(apps.readNamespacedDeployment({ name: DEPLOYMENT, namespace }))).toBeUndefined();
    expect(await orUndefined(rbac.readClusterRole({ name: DEPLOYMENT }))).toBeUndefined();
    expect((await k.core.readNamespace({ name: namespace })).status?.phase).toBe("Active");
    expect((await keySecrets(k, namespace)).length).toBeGreaterThan(0);
    expect((await crds.readCustomResourceDefinition({ name: "sealedsecrets.seal.dev" })).metadata?.name).toBe("sealedsecrets.seal.dev");
  });
});
