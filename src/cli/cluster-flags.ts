// The flags every command that talks to a cluster takes, named and behaving as kubectl's do.
import { Flags } from "@oclif/core";

export const DEFAULT_CONTROLLER_NAMESPACE = "kubectl-seal";

export const clusterFlags = {
  kubeconfig: Flags.string({ description: "path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)", helpValue: "FILE" }),
  context: Flags.string({ description: "the kubeconfig context to use (default: the current context)", helpValue: "NAME" }),
  "controller-namespace": Flags.string({
    description: "namespace the kubectl-seal controller runs in",
    default: DEFAULT_CONTROLLER_NAMESPACE,
    helpValue: "NAMESPACE",
  }),
};

/** What the cluster side (src/cluster/) needs from those flags. */
export interface ClusterOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  controllerNamespace: string;
}

export function clusterOptionsOf(flags: { kubeconfig?: string | undefined; context?: string | undefined; "controller-namespace": string }): ClusterOptions {
  return { kubeconfig: flags.kubeconfig, context: flags.context, controllerNamespace: flags["controller-namespace"] };
}
