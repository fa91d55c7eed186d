// One real node for the local control plane: containerd + runc (Debian), the kubelet and kube-scheduler built with
// the control plane, the project's images (scripts/build-image.sh) imported into containerd, nothing pulled.
// Everything is private to the run: state, sockets, certificates and logs live in `dir`; containerd and the kubelet
// share one private mount namespace (node-namespace.sh) so hard-coded host paths and the sysctls the kubelet checks
// are covered there; cgroups go under one /kubectl-seal-node-* root removed by node-teardown.sh. Pods get a network
// namespace with only `lo` (cni/lo-eth0): no bridge, no address, no firewall rule on the host.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort } from "./api.ts";
import { issueCertificate, writeKubeconfig } from "./pki.ts";
import { terminate, waitUntil } from "./processes.ts";
import type { RunningProcess } from "./processes.ts";

const run = promisify(execFile);
const here = fileURLToPath(new URL(".", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));

/** What a test needs to use the node (what cluster.ts startNode() resolves to). */
export interface NodeInfo {
  /** The Node object's name (the kubelet registers as `localhost`, which resolves to 127.0.0.1). */
  name: string;
  /** The node's folder under the control plane's (logs in logs/). */
  dir: string;
  /** Image references imported into containerd: the controller (as manifests/ names it) and the sandbox image. */
  images: { controller: string; pause: string };
}

export interface NodeContext {
  /** The control plane's folder: holds ca.crt / ca.key; the node's folder is created inside it. */
  dir: string;
  server: string;
  caFile: string;
  binDir: string;
  kubeconfig: string;
  /** Starts a child process tracked by the control plane's reaper, logging to logs/NAME.log. */
  start(name: string, command: string, args: string[]): RunningProcess;
}

export interface Node extends NodeInfo {
  stop(): Promise<void>;
}

const nodeName = "localhost";
const sandboxImage = "kubectl-seal.test/pause:busybox-1.35.0"; // scripts/build-image.sh pause

export async function startNode(context: NodeContext): Promise<Node> {
  const dir = join(context.dir, "node");
  const cgroupRoot = `/kubectl-seal-node-${randomBytes(4).toString("hex")}`;
  for (const sub of ["logs", "images", "containerd", "cni/bin", "cni/net.d", "kubelet", "kubelet-pki", "pod-logs", "volume-plugins"]) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  // Written first: node-teardown.sh (also run by the reaper) finds the cgroups to remove through it.
  await writeFile(join(dir, "cgroup-root"), cgroupRoot);
  const processes: RunningProcess[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const p of processes.reverse()) await terminate(p);
    await run("bash", [join(here, "node-teardown.sh"), dir]);
  };
  try {
    const images = await buildImages(dir);
    await createCgroupRoot(cgroupRoot);
    await writeCni(dir);
    const kubeletPort = await freePort();
    const kubeletArgs = await writeKubeletConfig(context, dir, cgroupRoot, kubeletPort);
    await writeContainerdConfig(dir);
    const kubelet = join(context.binDir, "kubelet");
    const namespace = context.start("node", "unshare",
      ["-m", "--propagation", "private", "bash", join(here, "node-namespace.sh"), dir, kubelet, ...kubeletArgs]);
    processes.push(namespace);

    const schedulerCert = await issueCertificate(context.dir, "kube-scheduler", "/CN=system:kube-scheduler", "clientAuth");
    const schedulerKubeconfig = await writeKubeconfig(join(dir, "kube-scheduler.kubeconfig"), context.server, context.caFile,
      "system:kube-scheduler", schedulerCert);
    processes.push(context.start("kube-scheduler", join(context.binDir, "kube-scheduler"), [
      `--kubeconfig=${schedulerKubeconfig}`, "--leader-elect=false", "--secure-port=0"]));

    await waitUntil(`node ${nodeName} to be Ready`, async () => {
      const { stdout } = await run(join(context.binDir, "kubectl"), ["--kubeconfig", context.kubeconfig, "get", "node", nodeName,
        "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"]);
      return stdout === "True";
    }, processes, 180_000);
    return { name: nodeName, dir, images, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function buildImages(dir: string): Promise<NodeInfo["images"]> {
  const build = async (kind: string) => {
    const { stdout } = await run("bash", [join(root, "scripts/build-image.sh"), kind, "--out", join(dir, "images", `${kind}.tar`)],
      { maxBuffer: 1 << 20 });
    return stdout.split("\n")[0]!.split("@")[0]!;
  };
  return { controller: await build("controller"), pause: await build("pause") };
}

/** The kubelet requires its --cgroup-root to exist in every hierarchy; cpuset needs cpus and mems set to be usable. */
async function createCgroupRoot(cgroupRoot: string): Promise<void> {
  for (const hierarchy of await readdir("/sys/fs/cgroup")) {
    const path = join("/sys/fs/cgroup", hierarchy, cgroupRoot);
    await mkdir(path);
    if (hierarchy === "cpuset") {
      for (const file of ["cpuset.cpus", "cpuset.mems"]) {
        const { stdout } = await run("cat", [join("/sys/fs/cgroup/cpuset", file)]);
        await writeFile(join(path, file), stdout);
      }
    }
  }
}

/**
 * Only `lo` in each Pod: containerd 1.6's CRI wants the Pod's address on an interface named eth0 in the CNI
 * result, so this plugin runs the standard loopback plugin and renames the result's interface.
 */
async function writeCni(dir: string): Promise<void> {
  await symlink("/usr/lib/cni/loopback", join(dir, "cni/bin/loopback"));
  const wrapper = join(dir, "cni/bin/lo-eth0");
  await writeFile(wrapper, `#!/bin/sh
# CNI plugin: the loopback plugin on lo; on ADD its result's interface is reported as eth0 (see node.ts).
CNI_IFNAME=lo
export CNI_IFNAME
if [ "$CNI_COMMAND" = ADD ]; then
  result=$(/usr/lib/cni/loopback) || { status=$?; printf '%s' "$result"; exit $status; }
  printf '%s' "$result" | sed 's/"name": *"lo"/"name": "eth0"/'
else
  exec /usr/lib/cni/loopback
fi
`);
  await chmod(wrapper, 0o755);
  await writeFile(join(dir, "cni/net.d/10-lo-only.conflist"),
    JSON.stringify({ cniVersion: "1.0.0", name: "lo-only", plugins: [{ type: "lo-eth0" }] }) + "\n");
}

async function writeContainerdConfig(dir: string): Promise<void> {
  const path = (sub: string) => JSON.stringify(join(dir, sub));
  await writeFile(join(dir, "containerd/config.toml"), `version = 2
root = ${path("containerd/root")}
state = ${path("containerd/state")}
[grpc]
  address = ${path("containerd/containerd.sock")}
[ttrpc]
  address = ${path("containerd/containerd.sock.ttrpc")}
[plugins."io.containerd.internal.v1.opt"]
  path = ${path("containerd/opt")}
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${sandboxImage}"
  # Raising a container's oom_score_adj needs CAP_SYS_RESOURCE, which root lacks on this kind of VM.
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${path("cni/bin")}
    conf_dir = ${path("cni/net.d")}
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
`);
}

async function writeKubeletConfig(context: NodeContext, dir: string, cgroupRoot: string, port: number): Promise<string[]> {
  const serving = await issueCertificate(context.dir, "kubelet", `/CN=${nodeName}`, "serverAuth", "DNS:localhost,IP:127.0.0.1");
  const client = await issueCertificate(context.dir, "kubelet-client", `/O=system:nodes/CN=system:node:${nodeName}`, "clientAuth");
  const kubeconfig = await writeKubeconfig(join(dir, "kubelet.kubeconfig"), context.server, context.caFile, `system:node:${nodeName}`, client);
  const socket = `unix://${join(dir, "containerd/containerd.sock")}`;
  const config = {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: "127.0.0.1",
    port,
    readOnlyPort: 0,
    healthzPort: 0,
    // Only the API server may use the kubelet's API: client certificates from the test CA, checked by webhook.
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: context.caFile } },
    authorization: { mode: "Webhook" },
    tlsCertFile: serving.certFile,
    tlsPrivateKeyFile: serving.keyFile,
    containerRuntimeEndpoint: socket,
    imageServiceEndpoint: socket,
    // containerd 1.6 does not report its cgroup driver; this VM has cgroup v1, which v1.36 refuses unless told.
    cgroupDriver: "cgroupfs",
    cgroupRoot,
    failCgroupV1: false,
    failSwapOn: false,
    // Check the kernel settings instead of changing them (node-namespace.sh shows the expected values).
    protectKernelDefaults: true,
    // No KUBE-* iptables chains: they only serve kube-proxy, which this node does not run.
    makeIPTablesUtilChains: false,
    podLogsDir: join(dir, "pod-logs"),
    volumePluginDir: join(dir, "volume-plugins"),
    resolvConf: "/etc/resolv.conf",
    // The imported images cannot be pulled again: never collect them, and do not evict on a small disk.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { "memory.available": "1Mi", "nodefs.available": "1%", "imagefs.available": "1%", "nodefs.inodesFree": "1%" },
    serializeImagePulls: false,
    // Pods re-sync (and Secret volumes refresh) every 10s instead of every minute: tests wait for updated files.
    syncFrequency: "10s",
    registerNode: true,
  };
  const configFile = join(dir, "kubelet-config.json");
  await writeFile(configFile, JSON.stringify(config, null, 2) + "\n");
  return [`--config=${configFile}`, `--kubeconfig=${kubeconfig}`, `--root-dir=${join(dir, "kubelet")}`,
    `--cert-dir=${join(dir, "kubelet-pki")}`, `--hostname-override=${nodeName}`, "--v=1"];
}
