// Installing the controller on the test node with test/node-overlay (README "A real node"), shared by the node tests
// (helpers/node-pods.ts) and the benchmark (bench/pod.ts); no vitest here, so plain Node can load it.
import { join } from "node:path";
import { repoRoot } from "./controller.js";

/** Runs kubectl (as the admin) with `args`, `input` on stdin; resolves to its stdout. */
export type Kubectl = (args: string[], input?: string) => Promise<string>;

export const CONTROLLER_NS = "kubectl-seal";
export const DEPLOYMENT = "kubectl-seal-controller";

/**
 * The ConfigMap the overlay reads KUBERNETES_SERVICE_HOST/PORT from (the API server `server`, on loopback), then
 * `kubectl apply -k test/node-overlay`; resolves once the Deployment's Pod is Ready (its readiness probe passed).
 */
export async function applyNodeOverlay(kubectl: Kubectl, server: string): Promise<void> {
  const url = new URL(server);
  await kubectl(["apply", "-f", "-"], await kubectl(["create", "namespace", CONTROLLER_NS, "--dry-run=client", "-o", "yaml"]));
  await kubectl(["apply", "-f", "-"], await kubectl(["create", "configmap", "kubectl-seal-api-server", "-n", CONTROLLER_NS,
    "--dry-run=client", "-o", "yaml", `--from-literal=KUBERNETES_SERVICE_HOST=${url.hostname}`, `--from-literal=KUBERNETES_SERVICE_PORT=${url.port}`]));
  await kubectl(["apply", "-k", join(repoRoot, "test/node-overlay")]);
  await rollout(kubectl, DEPLOYMENT);
}

export async function rollout(kubectl: Kubectl, deployment: string): Promise<void> {
  await kubectl(["rollout", "status", `deployment/${deployment}`, "-n", CONTROLLER_NS, "--timeout=300s"]);
}
