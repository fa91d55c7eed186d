// The controller and application Pods on the run's real node (test/control-plane/node.ts): kubectl as a user runs
// it, the test overlay (test/node-overlay) applied with `kubectl apply -k`, and an application Pod that prints only
// sha256 hashes of what it reads from a Secret.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { freePort } from "../../control-plane/api.ts";
import { appPod } from "../../control-plane/app-pod.ts";
import { cluster, startNode } from "../../control-plane/cluster.ts";
import type { NodeInfo } from "../../control-plane/cluster.ts";
import { applyNodeOverlay, CONTROLLER_NS, DEPLOYMENT, rollout } from "./node-overlay.js";
import { waitFor } from "./wait.js";

const run = promisify(execFile);
export { CONTROLLER_NS, DEPLOYMENT };

/** Everything kubectl printed in this test file, so a test can prove no value was ever shown. */
export const kubectlOutput: string[] = [];

export async function kubectl(args: string[], input?: string): Promise<string> {
  const { kubectl: bin, kubeconfig } = cluster();
  const child = run(bin, ["--kubeconfig", kubeconfig, ...args], { maxBuffer: 64 << 20 });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    const { stdout, stderr } = await child;
    kubectlOutput.push(stdout, stderr);
    return stdout;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    kubectlOutput.push(stdout, stderr);
    throw new Error(`kubectl ${args.join(" ")} failed: ${stderr.trim() || String(error)}`);
  }
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Starts (or joins) the node, then installs the controller with test/node-overlay (helpers/node-overlay.ts). */
export async function installControllerOnNode(): Promise<NodeInfo> {
  const node = await startNode();
  await applyNodeOverlay(kubectl, cluster().server, await freePort());
  return node;
}

/** Names of the Ready controller Pods (any Deployment of the controller: label app.kubernetes.io/name). */
export async function readyControllerPods(): Promise<string[]> {
  const out = await kubectl(["get", "pods", "-n", CONTROLLER_NS, "-l", `app.kubernetes.io/name=${DEPLOYMENT}`, "-o",
    "jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}"]);
  return out.split("\n").map((line) => line.split(" ")).filter((f) => f[1] === "" && f[2] === "True").map((f) => f[0]!);
}

/**
 * A second controller Deployment (`<name>-b`, another free host port): on one node two hostNetwork replicas of one
 * Deployment would need the same host port, so the standby replica is a copy of the first on another port.
 */
export async function addStandbyDeployment(): Promise<string> {
  const deployment = JSON.parse(await kubectl(["get", "deployment", DEPLOYMENT, "-n", CONTROLLER_NS, "-o", "json"]));
  const name = `${DEPLOYMENT}-b`;
  const port = await freePort();
  const container = deployment.spec.template.spec.containers[0];
  container.args = container.args.map((a: string) => (a.startsWith("--metrics-addr=") ? `--metrics-addr=127.0.0.1:${port}` : a));
  container.ports[0].containerPort = port;
  const labels = { ...deployment.spec.selector.matchLabels, "seal.dev/test-replica": "b" };
  const copy = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: CONTROLLER_NS, labels },
    spec: { ...deployment.spec, selector: { matchLabels: labels }, template: { ...deployment.spec.template, metadata: { labels } } },
  };
  await kubectl(["apply", "-f", "-"], JSON.stringify(copy));
  await rollout(kubectl, name);
  return name;
}

/** Starts control-plane/app-pod.ts's application Pod reading Secret `secret` key `key`; resolves once it is Ready. */
export async function startAppPod(namespace: string, name: string, secret: string, key: string, node: NodeInfo): Promise<void> {
  const pod = appPod(namespace, name, secret, key, node);
  await waitFor(() => kubectl(["get", "serviceaccount", "default", "-n", namespace]).then(() => true), { what: `ServiceAccount default in ${namespace}` });
  await kubectl(["apply", "-f", "-"], JSON.stringify(pod));
  await kubectl(["wait", "--for=condition=Ready", `pod/${name}`, "-n", namespace, "--timeout=180s"]);
}
