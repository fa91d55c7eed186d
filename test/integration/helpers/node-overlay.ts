// Installing the controller on the test node with test/node-overlay (README "A real node"), shared by the node tests
// (helpers/node-pods.ts) and the benchmark (bench/pod.ts); no vitest here, so plain Node can load it.
import { join } from "node:path";
import { repoRoot } from "./controller.js";

/** Runs kubectl (as the admin) with `args`, `input` on stdin; resolves to its stdout. */
export type Kubectl = (args: string[], input?: string) => Promise<string>;

export const CONTROLLER_NS = "kubectl-seal";
export const DEPLOYMENT = "kubectl-seal-controller";

/** The host port test/node-overlay gives the controller's health and metrics server. */
export const OVERLAY_PORT = 18080;

/**
 * The ConfigMap the overlay reads KUBERNETES_SERVICE_HOST/PORT from (the API server `server`, on loopback), then
 * `kubectl apply -k test/node-overlay`; resolves once the Deployment's Pod is Ready (its readiness probe passed).
 * `port`: move the health server from the overlay's fixed host port to this one (a free port, so that two runs with
 * a node on one machine do not fight over 18080).
 */
export async function applyNodeOverlay(kubectl: Kubectl, server: string, port = OVERLAY_PORT): Promise<void> {
  const url = new URL(server);
  await kubectl(["apply", "-f", "-"], await kubectl(["create", "namespace", CONTROLLER_NS, "--dry-run=client", "-o", "yaml"]));
  await kubectl(["apply", "-f", "-"], await kubectl(["create", "configmap", "kubectl-seal-api-server", "-n", CONTROLLER_NS,
    "--dry-run=client", "-o", "yaml", `--from-literal=KUBERNETES_SERVICE_HOST=${url.hostname}`, `--from-literal=KUBERNETES_SERVICE_PORT=${url.port}`]));
  await kubectl(["apply", "-k", join(repoRoot, "test/node-overlay")]);
  if (port !== OVERLAY_PORT) await kubectl(["patch", "deployment", DEPLOYMENT, "-n", CONTROLLER_NS, "--type=json", "-p", JSON.stringify(portPatch(port))]);
  await rollout(kubectl, DEPLOYMENT);
}

/** JSON patch moving the controller container's health server (args[1] and ports[0], as test/node-overlay sets them). */
export function portPatch(port: number): object[] {
  const container = "/spec/template/spec/containers/0";
  return [
    { op: "replace", path: `${container}/args/1`, value: `--metrics-addr=127.0.0.1:${port}` },
    { op: "replace", path: `${container}/ports/0/containerPort`, value: port },
  ];
}

export async function rollout(kubectl: Kubectl, deployment: string): Promise<void> {
  await kubectl(["rollout", "status", `deployment/${deployment}`, "-n", CONTROLLER_NS, "--timeout=300s"]);
}
