// `npm run cluster` (scripts/control-plane.sh run): starts one control plane, says how to use it, and stops it
// on Ctrl-C or SIGTERM. Runs on plain Node 24 (type stripping), no build step.
import { fileURLToPath } from "node:url";
import { startControlPlane } from "./control-plane.ts";

const pluginDir = fileURLToPath(new URL("../../bin", import.meta.url));

const started = Date.now();
const cluster = await startControlPlane();
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`\ncontrol-plane: ${signal}: stopping and removing ${cluster.dir}\n`);
  await cluster.stop();
  process.exit(0);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(signal));

process.stdout.write(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${cluster.server}

Point kubectl and kubectl-seal at it (another terminal):
  export KUBECONFIG=${cluster.kubeconfig}
  export PATH=${cluster.binDir}:${pluginDir}:$PATH
  # the matching kubectl, and bin/kubectl-seal as a kubectl plugin (run \`npm run build\` once first)
  kubectl get namespaces
  kubectl apply -f manifests/crd.yaml
  kubectl seal --help

Unprivileged users (RBAC applies): kubectl --kubeconfig ${cluster.kubeconfigFor("alice")} ...   (also bob)
Logs: ${cluster.dir}/logs/

Press Ctrl-C to stop it; all state is deleted.
`);
// Keep the process alive until a signal arrives.
setInterval(() => {}, 1 << 30);
