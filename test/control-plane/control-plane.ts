// One local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) on 127.0.0.1, built from
// the pinned Go modules by scripts/build-control-plane.sh. All state lives in a fresh folder under os.tmpdir().
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiStatus, freePort, httpOk, mintServiceAccountToken } from "./api.ts";
import { launch, startReaper, terminate, waitUntil } from "./processes.ts";
import type { RunningProcess } from "./processes.ts";
import { users, writeKubeconfig, writePki } from "./pki.ts";
import { startNode } from "./node.ts";
import type { Node, NodeInfo } from "./node.ts";
import type { Tokens, User } from "./pki.ts";

export type { NodeInfo, Tokens, User };
export { users };

export interface ControlPlane {
  /** Admin kubeconfig (user `admin`, group system:masters). */
  readonly kubeconfig: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** CA that signed the API server's serving certificate. */
  readonly caFile: string;
  /** The kubectl built with the control plane. */
  readonly kubectl: string;
  readonly binDir: string;
  /** Temporary folder with all state (certificates, etcd data, logs under logs/); removed by stop(). */
  readonly dir: string;
  /** Static bearer tokens: admin is in system:masters, alice and bob only in system:authenticated. */
  readonly tokens: Tokens;
  kubeconfigFor(user: User): string;
  /** A TokenRequest token for ServiceAccount `namespace/name` (the ServiceAccount must exist). */
  serviceAccountToken(namespace: string, name: string): Promise<string>;
  /** Stops kube-apiserver and starts it again on the same port; resolves once it is ready. */
  restartApiServer(): Promise<void>;
  /**
   * Starts the one real node (node.ts) on first call (~1 min: image build, containerd, kubelet, kube-scheduler);
   * later calls return the same node. It runs until stop().
   */
  startNode(): Promise<NodeInfo>;
  /** Stops etcd and starts it again on the same data and ports; resolves once kube-apiserver is ready again. */
  restartEtcd(): Promise<void>;
  /** Stops every process and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Builds (or finds in the cache) the binaries; the build's progress goes to this process's stderr. */
export function buildControlPlane(): Promise<string> {
  return new Promise((resolve, reject) => {
    const build = spawn("bash", [join(root, "scripts/build-control-plane.sh")], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    build.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    build.once("error", reject);
    build.once("exit", (code) => {
      const binDir = stdout.trim().split("\n").pop();
      if (code === 0 && binDir) resolve(binDir);
      else reject(new Error(`scripts/build-control-plane.sh failed (exit ${code}); its output is above`));
    });
  });
}

export async function startControlPlane(options: { binDir?: string } = {}): Promise<ControlPlane> {
  const binDir = options.binDir ?? (await buildControlPlane());
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binDir);
    } catch (error) {
      // Ports are found free, then bound by the child a moment later: another process may take one in between.
      if (attempt >= 3 || !String(error).includes("address already in use")) throw error;
    }
  }
}

async function startOnce(binDir: string): Promise<ControlPlane> {
  const bin = (name: string) => join(binDir, name);
  const dir = await mkdtemp(join(tmpdir(), "kubectl-seal-cp-"));
  const reaper = startReaper(dir);
  const running = new Set<RunningProcess>();
  let apiServer: RunningProcess | undefined;
  let stopped = false;
  let node: Promise<Node> | undefined;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (node) await node.then((n) => n.stop(), () => undefined);
    // Controllers first, then the API server, then its storage: each can still shut down cleanly.
    const order = ["kube-controller-manager", "kube-apiserver", "etcd"];
    for (const p of [...running].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))) await terminate(p);
    await rm(dir, { recursive: true, force: true });
    reaper.release();
  };

  try {
    await mkdir(join(dir, "logs"));
    const log = (name: string) => join(dir, "logs", `${name}.log`);
    const start = (name: string, args: string[], command = bin(name)) => {
      const p = launch(name, command, args, log(name), reaper);
      running.add(p);
      p.exited.then(() => running.delete(p));
      return p;
    };
    const pki = await writePki(dir);
    const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcdArgs = [
      "--name=default", `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=default=${peerUrl}`,
      "--unsafe-no-fsync", // throwaway data: durability costs seconds per test run for nothing
      "--log-level=warn",
    ];
    let etcd = start("etcd", etcdArgs);
    await waitUntil("etcd to be healthy", () => httpOk(`${etcdUrl}/health`), [etcd]);

    const server = `https://127.0.0.1:${apiPort}`;
    const apiServerArgs = [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`,
      // The `kubernetes` Service's endpoints may not point at a loopback address, so do not reconcile them.
      "--endpoint-reconciler-type=none",
      `--tls-cert-file=${pki.certFile}`, `--tls-private-key-file=${pki.keyFile}`, `--cert-dir=${join(dir, "apiserver")}`,
      `--token-auth-file=${pki.tokenFile}`,
      // The test node (node.ts): its kubelet and scheduler log in with certificates from the test CA, and the API
      // server reaches the kubelet (logs, exec) with its own client certificate, checking the kubelet's.
      `--client-ca-file=${pki.caFile}`,
      `--kubelet-client-certificate=${pki.kubeletClientCertFile}`, `--kubelet-client-key=${pki.kubeletClientKeyFile}`,
      `--kubelet-certificate-authority=${pki.caFile}`, "--kubelet-preferred-address-types=Hostname",
      "--authorization-mode=Node,RBAC",
      `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
      `--service-account-signing-key-file=${pki.serviceAccountPrivateKeyFile}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--service-cluster-ip-range=10.96.0.0/16",
      "--profiling=false",
      // Ends open watches within 2s on SIGTERM; otherwise shutdown waits on the controller manager's watches.
      "--shutdown-watch-termination-grace-period=2s",
    ];
    const startApiServer = async () => {
      const started = start("kube-apiserver", apiServerArgs);
      apiServer = started;
      await waitUntil("kube-apiserver /readyz", async () => (await apiStatus(server, pki.caFile, pki.tokens.admin, "/readyz")) === 200, [etcd, started]);
      return started;
    };
    const firstApiServer = await startApiServer();

    const kubeconfigs = {} as Record<User, string>;
    for (const user of users) kubeconfigs[user] = await writeKubeconfig(join(dir, `${user}.kubeconfig`), server, pki.caFile, user, pki.tokens[user]);
    const controllerKubeconfig = await writeKubeconfig(join(dir, "kube-controller-manager.kubeconfig"), server, pki.caFile,
      "system:kube-controller-manager", pki.controllerManagerToken);

    const controllerManager = start("kube-controller-manager", [
      `--kubeconfig=${controllerKubeconfig}`,
      "--secure-port=0", // no metrics/health endpoint needed; readiness is observed through the API instead
      "--leader-elect=false",
      "--use-service-account-credentials",
      `--root-ca-file=${pki.caFile}`,
      `--service-account-private-key-file=${pki.serviceAccountPrivateKeyFile}`,
      `--cluster-signing-cert-file=${pki.caFile}`, `--cluster-signing-key-file=${pki.caKeyFile}`,
      "--controllers=*",
    ]);
    // The serviceaccount controller creating `default` in `default` shows the controller manager is working.
    await waitUntil("kube-controller-manager to create the default ServiceAccount",
      async () => (await apiStatus(server, pki.caFile, pki.tokens.admin, "/api/v1/namespaces/default/serviceaccounts/default")) === 200,
      [etcd, firstApiServer, controllerManager]);

    return {
      kubeconfig: kubeconfigs.admin,
      server,
      caFile: pki.caFile,
      kubectl: bin("kubectl"),
      binDir,
      dir,
      tokens: pki.tokens,
      kubeconfigFor: (user) => kubeconfigs[user],
      serviceAccountToken: (namespace, name) => mintServiceAccountToken(bin("kubectl"), kubeconfigs.admin, namespace, name),
      restartApiServer: async () => {
        if (apiServer) await terminate(apiServer);
        await startApiServer();
      },
      startNode: () => {
        node ??= startNode({ dir, server, caFile: pki.caFile, binDir, kubeconfig: kubeconfigs.admin,
          start: (name, command, args) => start(name, args, command) });
        return node.then(({ name, dir: nodeDir, images }) => ({ name, dir: nodeDir, images }));
      },
      restartEtcd: async () => {
        await terminate(etcd);
        etcd = start("etcd", etcdArgs);
        await waitUntil("etcd to be healthy again", () => httpOk(`${etcdUrl}/health`), [etcd]);
        const ready = apiServer === undefined ? [etcd] : [etcd, apiServer];
        await waitUntil("kube-apiserver /readyz after the etcd restart", async () => (await apiStatus(server, pki.caFile, pki.tokens.admin, "/readyz")) === 200, ready);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

