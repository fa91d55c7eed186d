// In-cluster mode: the controller runs as its ServiceAccount, with a TokenRequest token and the CA laid out as
// in a pod (/var/run/secrets/kubernetes.io/serviceaccount under a temp prefix), KUBERNETES_SERVICE_HOST/PORT set
// and no kubeconfig, bound only by manifests/ (namespace, CRDs, RBAC). Everything it does working here proves
// that RBAC is enough; kubectl auth can-i shows it is not more than needed.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { verifyBundle } from "../../src/index.js";
import { cluster, inClusterConfig, kubeConfigFor } from "../control-plane/cluster.ts";
import { repoRoot, startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, createSealed, decodedData, getSecret, kube, publishedBundle, sealSecret, statusCode, uniqueName, waitForEvent } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";
import { createSealRequest, keysOfType, sealRequestStatus, waitForPhase, waitForUnsealedWith } from "./keys-support.js";

const run = promisify(execFile);
const NS = "kubectl-seal";
const SA = "kubectl-seal-controller";
let k: Kube;
let proc: ControllerProcess;
const appNs = uniqueName("seal-incluster-app");
const values: string[] = [];

function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(cluster().kubectl, ["--kubeconfig", cluster().kubeconfig, ...args]);
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  const manifests = ["namespace.yaml", "crd.yaml", "sealrequest-crd.yaml", "rbac.yaml", "sealrequest-policy.yaml"].flatMap((f) => ["-f", join(repoRoot, "manifests", f)]);
  await kubectl("apply", ...manifests);
  await kubectl("wait", "--for=condition=Established", "crd/sealedsecrets.seal.dev", "crd/sealrequests.seal.dev", "--timeout=60s");
  await createNamespace(k, appNs);
  const { pathPrefix, env } = await inClusterConfig(NS, SA);
  // No --kubeconfig and no KUBECONFIG (the helper strips it): only the service account files and env.
  proc = await startController({
    namespace: NS,
    env: { ...env, SEAL_IN_CLUSTER_ROOT: pathPrefix },
    args: ["--key-rotation-period", "6s", "--lease-duration", "4s"],
  });
});

afterAll(async () => {
  await stopAllControllers();
  assertNoneContain({ "controller output": proc.output() }, values);
  expect(proc.output()).not.toMatch(/AGE-SECRET-KEY/);
});

describe("in-cluster mode bound by manifests/ RBAC", () => {
  it("keys, bundle, unseal, events, status, lease, rotation and SealRequests (own and other namespaces) all work as the ServiceAccount", async () => {
    const bundle = await publishedBundle(k, NS);

    // Any authenticated user reads the bundle, and nothing else in the namespace.
    const alice = kubeConfigFor("alice").makeApiClient(CoreV1Api);
    const cm = await alice.readNamespacedConfigMap({ name: "kubectl-seal-keys", namespace: NS });
    // Keys rotate every 6 s here, so the bundle may have been re-issued since it was read: compare who signed it.
    expect(verifyBundle(parse(cm.data?.["bundle.yaml"] ?? "")).signer).toBe(bundle.signer);
    await expect(alice.readNamespacedSecret({ name: "kubectl-seal-signer", namespace: NS })).rejects.toSatisfy((e) => statusCode(e) === 403);
    await expect(alice.listNamespacedConfigMap({ namespace: NS })).rejects.toSatisfy((e) => statusCode(e) === 403);

    // Unseal in a namespace the controller has no Role in: the ClusterRole is enough.
    const data = { token: `v-${randomBytes(12).toString("hex")}` };
    values.push(data.token);
    await createSealed(k, await sealSecret({ name: "app", namespace: appNs, data }, bundle.keys));
    await waitForUnsealedWith(k, appNs, "app");
    expect(decodedData((await getSecret(k, appNs, "app")) ?? {})).toEqual(data);
    await waitForEvent(k, appNs, "app", "Unsealed");

    const lease = await waitFor(async () => (await kubectl("get", "lease", "-n", NS, SA, "-o", "jsonpath={.spec.holderIdentity}")).stdout, {
      what: "the controller's Lease",
    });
    expect(lease).not.toBe("");

    await waitForEvent(k, NS, "kubectl-seal-keys", "KeyRotated");
    const request = uniqueName("rotate");
    await createSealRequest(k, NS, request, { action: "Rotate" });
    expect((await waitForPhase(k, NS, request)).phase).toBe("Complete");

    // A Verify in an application namespace: watched (all namespaces), answered through the cluster-wide
    // permission on sealrequests/status, and deleted after its time-to-live through the delete permission.
    const sealed = await sealSecret({ name: "app", namespace: appNs, data }, bundle.keys);
    const verify = uniqueName("verify");
    await createSealRequest(k, appNs, verify, { action: "Verify", objects: [sealed], ttlSecondsAfterFinished: 1 });
    const verified = await waitForPhase(k, appNs, verify);
    expect(verified.results).toMatchObject([{ ok: true, keyIds: [keysOfType(bundle)[0]?.id] }]);
    assertNoneContain({ "Verify status": JSON.stringify(verified) }, values);
    await waitForEvent(k, appNs, verify, "Verified");
    // (It had a status, so no status now means no request.)
    await waitFor(async () => (await sealRequestStatus(k, appNs, verify)) === undefined, {
      what: `SealRequest ${appNs}/${verify} deleted after its time-to-live`,
    });

    // Nothing the controller tried was forbidden, and every audit Event was written.
    expect(proc.output()).not.toMatch(/forbidden|HTTP 403/i);
    expect(proc.lines().some((l) => l.msg === "could not record audit event")).toBe(false);
  });

  it("applies as a whole with kubectl apply -k (server-side dry run validates the Deployment and Service too)", async () => {
    const { stdout } = await kubectl("apply", "-k", join(repoRoot, "manifests"), "--dry-run=server");
    for (const object of [
      "deployment.apps/kubectl-seal-controller",
      "service/kubectl-seal-controller-metrics",
      "clusterrole.rbac.authorization.k8s.io/kubectl-seal-controller",
      "clusterrole.rbac.authorization.k8s.io/kubectl-seal-requester",
      "validatingadmissionpolicy.admissionregistration.k8s.io/kubectl-seal-reencrypt-recipients",
    ]) {
      expect(stdout).toContain(object);
    }
  });

  it("holds no more rights than it needs", async () => {
    const as = ["--as", `system:serviceaccount:${NS}:${SA}`];
    const canI = async (...args: string[]): Promise<string> => {
      try {
        return (await kubectl("auth", "can-i", ...args, ...as)).stdout.trim();
      } catch (err) {
        return ((err as { stdout?: string }).stdout ?? "").trim(); // can-i exits 1 for "no"
      }
    };
    expect(await canI("create", "secrets", "-n", appNs)).toBe("yes");
    expect(await canI("delete", "secrets", "-n", appNs)).toBe("no");
    expect(await canI("delete", "sealedsecrets.seal.dev", "-n", appNs)).toBe("no");
    expect(await canI("update", "sealedsecrets.seal.dev", "-n", appNs)).toBe("no");
    expect(await canI("get", "configmaps", "-n", appNs)).toBe("no");
    expect(await canI("update", "configmaps/other", "-n", NS)).toBe("no");
    expect(await canI("create", "sealrequests.seal.dev", "-n", NS)).toBe("no");
    expect(await canI("update", "sealrequests.seal.dev", "-n", appNs)).toBe("no");
    expect(await canI("update", "sealrequests.seal.dev", "--subresource", "status", "-n", appNs)).toBe("no");
    expect(await canI("watch", "sealrequests.seal.dev", "--all-namespaces")).toBe("yes");
    expect(await canI("patch", "sealrequests.seal.dev", "--subresource", "status", "-n", appNs)).toBe("yes");
    expect(await canI("get", "pods", "-n", NS)).toBe("no");
  });
});
