// The CLI's connection to a cluster: the kubeconfig chosen the way kubectl chooses it (--kubeconfig, then
// $KUBECONFIG, then ~/.kube/config; --context or the current context), and API errors as one line that names
// the cluster and what to do. Only commands that talk to a cluster load this module.
import type { KubeConfig } from "@kubernetes/client-node";
import { PooledKubeConfig } from "./pooled-kubeconfig.js";
import type { ClusterOptions } from "../cli/cluster-flags.js";
import { SealError } from "../errors.js";

export interface ClusterConnection {
  kc: KubeConfig;
  /** The context's name: how the user names this cluster (and the default pin name). */
  context: string;
  /** The API server URL, for messages. */
  server: string;
  controllerNamespace: string;
}

export function connect(options: ClusterOptions): ClusterConnection {
  const kc = new PooledKubeConfig(); // one connection for all of a command's requests
  const source = options.kubeconfig ?? (process.env.KUBECONFIG ? "$KUBECONFIG" : "~/.kube/config");
  try {
    if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (cause) {
    throw new SealError(`cannot read kubeconfig ${source}`, "check --kubeconfig or $KUBECONFIG", { cause });
  }
  if (options.context !== undefined) {
    if (kc.getContextObject(options.context) === null) {
      throw new SealError(`kubeconfig ${source} has no context ${options.context}`, "list them with `kubectl config get-contexts`");
    }
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  const context = kc.getCurrentContext();
  if (cluster === null || !context) {
    throw new SealError(`kubeconfig ${source} has no current cluster`, "pass --context, or point --kubeconfig at a cluster's kubeconfig");
  }
  return { kc, context, server: cluster.server, controllerNamespace: options.controllerNamespace };
}

/** An API failure as a SealError naming the cluster and the fix; `what` says what was being done. */
export function apiError(error: unknown, what: string, conn: ClusterConnection): SealError {
  const code = (error as { code?: unknown } | null)?.code;
  const where = `${what} on cluster ${conn.context} (${conn.server})`;
  if (code === 401) return new SealError(`${where}: not logged in (401)`, "refresh your credentials, e.g. log in again");
  if (code === 403) return new SealError(`${where}: forbidden (403)`, "ask a cluster admin for the RBAC permission, or use another --context");
  if (code === 404) return new SealError(`${where}: not found (404)`, `is the kubectl-seal controller installed in namespace ${conn.controllerNamespace}? (--controller-namespace)`);
  if (typeof code === "number") return new SealError(`${where}: the API server answered ${code}`, "retry, or check the API server", { cause: error });
  const message = error instanceof Error ? error.message.split("\n", 1)[0] : String(error);
  return new SealError(`${where}: cannot reach the API server (${message})`, "check that the cluster is up and the kubeconfig is right", { cause: error });
}

/** The namespace kubectl would use for an object without one: the context's namespace, else "default". */
export function defaultNamespace(conn: ClusterConnection): string {
  return conn.kc.getContextObject(conn.context)?.namespace || "default";
}
