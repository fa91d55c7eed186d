// The local control plane is a real Kubernetes: storage, RBAC, controllers, CRDs and restarts all behave as in a
// cluster, which is what the controller's integration tests rely on.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import {
  ApiException,
  ApiextensionsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import type { KubeConfig, V1CustomResourceDefinition } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster, kubeConfigFor, kubeconfigFor, restartApiServer, serviceAccountToken, waitFor } from "../control-plane/cluster.ts";

const run = promisify(execFile);
const admin = kubeConfigFor("admin");
const core = admin.makeApiClient(CoreV1Api);
const namespace = `smoke-${randomBytes(4).toString("hex")}`;

// Each test works on its own objects in this namespace, so any one of them can run alone (-t).
beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => {});
});

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

async function whoAmI(config: KubeConfig): Promise<string | undefined> {
  const review = await config.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  return review.status?.userInfo?.username;
}

async function established(name: string): Promise<V1CustomResourceDefinition | undefined> {
  const crd = await admin.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name });
  return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ? crd : undefined;
}

describe("local control plane", () => {
  it("stores a Secret and reads it back", async () => {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: "smoke" }, stringData: { password: "smoke-test-value" } },
    });
    const secret = await core.readNamespacedSecret({ name: "smoke", namespace });
    expect(Buffer.from(secret.data?.password ?? "", "base64").toString()).toBe("smoke-test-value");
  });

  it("serves the built kubectl with the admin kubeconfig", async () => {
    const { kubectl, kubeconfig } = cluster();
    const { stdout } = await run(kubectl, ["--kubeconfig", kubeconfig, "get", "namespaces", "-o", "name"]);
    expect(stdout.split("\n")).toContain("namespace/kube-system");
  });

  it("authenticates the token users and enforces RBAC for them", async () => {
    const alice = kubeConfigFor("alice");
    expect(await whoAmI(alice)).toBe("alice");
    expect(await whoAmI(kubeConfigFor("bob"))).toBe("bob");
    const listAsAlice = () => alice.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace });
    expect(await statusOf(listAsAlice())).toBe(403);

    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name: "secret-reader" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: "alice-reads-secrets" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "secret-reader" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
      },
    });
    await waitFor("alice to be allowed to list secrets", async () => (await statusOf(listAsAlice())) === 200);
    const bob = kubeConfigFor("bob").makeApiClient(CoreV1Api);
    expect(await statusOf(bob.listNamespacedSecret({ namespace }))).toBe(403);
  });

  it("mints ServiceAccount tokens that authenticate as the ServiceAccount", async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "robot" } } });
    const token = await serviceAccountToken(namespace, "robot");
    const { kubectl, server, caFile } = cluster();
    const { stdout } = await run(kubectl, [
      "--kubeconfig", "/dev/null", "--server", server, "--certificate-authority", caFile, "--token", token,
      "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}",
    ]);
    expect(stdout).toBe(`system:serviceaccount:${namespace}:robot`);
  });

  it("runs the garbage collector: a ConfigMap goes away with its owner", async () => {
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "owner" } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: "dependent",
          ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid! }],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ name: "owner", namespace });
    await waitFor("the garbage collector to delete the dependent ConfigMap",
      async () => (await statusOf(core.readNamespacedConfigMap({ name: "dependent", namespace }))) === 404);
  });

  it("establishes a CustomResourceDefinition", async () => {
    const extensions = admin.makeApiClient(ApiextensionsV1Api);
    const name = "widgets.smoke.kubectl-seal.dev";
    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name },
        spec: {
          group: "smoke.kubectl-seal.dev",
          scope: "Namespaced",
          names: { kind: "Widget", plural: "widgets", singular: "widget" },
          versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }],
        },
      },
    });
    try {
      await waitFor(`CRD ${name} to be Established`, () => established(name));
    } finally {
      await extensions.deleteCustomResourceDefinition({ name });
    }
  });

  it("applies the project's CRD (manifests/crd.yaml) with kubectl and it becomes Established", async () => {
    const { kubectl, kubeconfig } = cluster();
    await run(kubectl, ["--kubeconfig", kubeconfig, "apply", "-f", "manifests/crd.yaml"]);
    const crd = await waitFor("CRD sealedsecrets.seal.dev to be Established", () => established("sealedsecrets.seal.dev"));
    expect(crd.spec.names.shortNames).toContain("sealed");
  });

  it("keeps its data across an API server restart", async () => {
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "survivor" }, data: { kept: "yes" } } });
    await restartApiServer();
    const configMap = await core.readNamespacedConfigMap({ name: "survivor", namespace });
    expect(configMap.data).toEqual({ kept: "yes" });
    const { stdout } = await run(cluster().kubectl, ["--kubeconfig", kubeconfigFor("admin"), "get", "--raw", "/readyz"]);
    expect(stdout.trim()).toBe("ok");
  });
});
