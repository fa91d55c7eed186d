// The flags every command that talks to a cluster takes, as oclif flags (the definitions: cluster-options.ts).
import { Flags } from "@oclif/core";
import { clusterFlagSpecs } from "./cluster-options.js";

export { DEFAULT_CONTROLLER_NAMESPACE, clusterOptionsOf, type ClusterOptions } from "./cluster-options.js";

export const clusterFlags = {
  kubeconfig: Flags.string(clusterFlagSpecs.kubeconfig),
  context: Flags.string(clusterFlagSpecs.context),
  "controller-namespace": Flags.string(clusterFlagSpecs["controller-namespace"]),
};
