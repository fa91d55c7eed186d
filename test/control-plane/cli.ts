// `npm run cluster` (scripts/control-plane.sh run): starts one control plane, says how to use it, and stops it
// on Ctrl-C or SIGTERM. Runs on plain Node 24 (type stripping), no build step.
import { fileURLToPath } from "node:url";
import { startControlPlane } from "./control-plane.ts";

const pluginDir = fileURLToPath(new URL("../../bin", import.meta.url));

const withNode = process.argv.includes("--node") || process.env.KUBECTL_SEAL_NODE === "1";
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
// The node needs dist/ (npm run build) for the controller image; it takes about a minute.
const node = withNode ? await cluster.startNode().catch(async (error: unknown) => {
  process.stderr.write(`control-plane: the node did not start: ${String(error)}\n`);
  await cluster.stop();
  process.exit(1);
}) : undefined;
const nodeHelp = node ? `
A real node is Ready: ${node.name} (containerd + kubelet; logs: ${node.dir}/logs/). Its containerd holds
${node.images.controller} (npm run image) and the sandbox image; nothing can be pulled.
  kubectl create namespace kubectl-seal
  kubectl create configmap kubectl-seal-api-server -n kubectl-seal \\
    --from-literal=KUBERNETES_SERVICE_HOST=127.0.0.1 --from-literal=KUBERNETES_SERVICE_PORT=${new URL(cluster.server).port}
  kubectl apply -k test/node-overlay   # manifests/ on the host network (test/control-plane/README.md)
` : "";

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
${nodeHelp}
Press Ctrl-C to stop it; all state is deleted.
`);
// Keep the process alive until a signal arrives.
setInterval(() => {}, 1 << 30);
