// What integration tests use to reach the control plane started by global-setup.ts:
//   import { cluster, kubeConfigFor, restartApiServer, serviceAccountToken } from "../control-plane/cluster.ts";
// All values come from vitest's inject(); see the ProvidedContext keys declared in global-setup.ts.
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { mintServiceAccountToken } from "./api.ts";
import type { User } from "./pki.ts";
import type { NodeInfo } from "./node.ts";
import type {} from "./global-setup.ts"; // the ProvidedContext declarations (inject keys)

export type { NodeInfo, User };

export function cluster() {
  return {
    kubeconfig: inject("kubeconfig"),
    server: inject("server"),
    caFile: inject("caFile"),
    kubectl: inject("kubectl"),
    binDir: inject("binDir"),
    dir: inject("dir"),
    tokens: inject("tokens"),
  };
}

/** Path of a kubeconfig for `user`: admin (system:masters), or alice / bob (no rights until a RoleBinding). */
export function kubeconfigFor(user: User): string {
  return inject("kubeconfigs")[user];
}

export function kubeConfigFor(user: User = "admin"): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigFor(user));
  return config;
}

/** Stops kube-apiserver and starts it again on the same address; resolves when it is ready. */
export async function restartApiServer(): Promise<void> {
  const response = await fetch(`${inject("controlPlaneControl")}/restart-apiserver`, { method: "POST" });
  if (response.status !== 204) throw new Error(`restarting kube-apiserver failed: ${await response.text()}`);
}

/**
 * The run's one real node (test/control-plane/node.ts): started by the first caller (~1 min), then shared by every
 * test file until the run ends. Resolves once the Node is Ready and the project's images are in its containerd.
 */
export async function startNode(): Promise<NodeInfo> {
  const response = await fetch(`${inject("controlPlaneControl")}/start-node`, { method: "POST", signal: AbortSignal.timeout(600_000) });
  if (response.status !== 200) throw new Error(`starting the test node failed: ${await response.text()}`);
  return (await response.json()) as NodeInfo;
}

/** Stops etcd and starts it again on the same data; resolves when kube-apiserver is ready again. */
export async function restartEtcd(): Promise<void> {
  const response = await fetch(`${inject("controlPlaneControl")}/restart-etcd`, { method: "POST" });
  if (response.status !== 204) throw new Error(`restarting etcd failed: ${await response.text()}`);
}

/** A TokenRequest token for an existing ServiceAccount. */
export function serviceAccountToken(namespace: string, name: string, duration = "1h"): Promise<string> {
  return mintServiceAccountToken(inject("kubectl"), inject("kubeconfig"), namespace, name, duration);
}

/**
 * Files and environment that make `new KubeConfig().loadFromCluster(pathPrefix)` behave as inside a pod
 * running as ServiceAccount `namespace/name` (token, ca.crt and namespace under pathPrefix/var/run/secrets/...).
 */
export async function inClusterConfig(namespace: string, name: string): Promise<{ pathPrefix: string; env: Record<string, string> }> {
  const pathPrefix = await mkdtemp(join(inject("dir"), "in-cluster-"));
  const mount = join(pathPrefix, "var/run/secrets/kubernetes.io/serviceaccount");
  await mkdir(mount, { recursive: true });
  await writeFile(join(mount, "token"), await serviceAccountToken(namespace, name), { mode: 0o600 });
  await writeFile(join(mount, "namespace"), namespace);
  await copyFile(inject("caFile"), join(mount, "ca.crt"));
  const server = new URL(inject("server"));
  return { pathPrefix, env: { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port } };
}

/** Polls `check` until it returns a value other than undefined/false; fails with `what` at the deadline. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
