// The flags every command that talks to a cluster takes, named and behaving as kubectl's do, as plain data
// (src/cli/flag-specs.ts), and what the cluster side (src/cluster/) needs from them. cluster-flags.ts turns them
// into oclif flags; this file stays free of oclif so that `kubectl seal --keys ...` never loads it.
import type { OptionFlagSpec } from "./flag-specs.js";

export const DEFAULT_CONTROLLER_NAMESPACE = "kubectl-seal";

export const clusterFlagSpecs = {
  kubeconfig: { description: "path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)", helpValue: "FILE" },
  context: { description: "the kubeconfig context to use (default: the current context)", helpValue: "NAME" },
  "controller-namespace": { description: "namespace the kubectl-seal controller runs in", default: DEFAULT_CONTROLLER_NAMESPACE, helpValue: "NAMESPACE" },
} satisfies Record<string, OptionFlagSpec>;

export interface ClusterOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  controllerNamespace: string;
}

export function clusterOptionsOf(flags: { kubeconfig?: string | undefined; context?: string | undefined; "controller-namespace": string }): ClusterOptions {
  return { kubeconfig: flags.kubeconfig, context: flags.context, controllerNamespace: flags["controller-namespace"] };
}
