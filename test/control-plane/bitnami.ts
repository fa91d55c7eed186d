// The real Bitnami Sealed Secrets controller (v0.40.0, built by scripts/build-go-tool.sh sealed-secrets) against a
// running local control plane, for the migration tests and the benchmark. It only knows in-cluster config, so it runs
// as a Pod would see itself: in a private mount namespace whose /run holds its ServiceAccount's token, CA and
// namespace (in-pod.sh), with KUBERNETES_SERVICE_HOST/PORT pointing at the loopback API server. Its process group is
// stopped by stop(), or by a reaper (reaper.sh) if this process dies first. Runs on plain Node 24, as control-plane.ts.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { get } from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { mintServiceAccountToken } from "./api.ts";
import { launch, logTail, startReaper, terminate, waitUntil } from "./processes.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const ACCOUNT = "sealed-secrets-controller";
const KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";

export interface BitnamiBinaries {
  controller: string;
  kubeseal: string;
}

/**
 * - `defaults`: as the controller ships, a client limited to 5 requests/s (burst 10);
 * - `best`: that limit lifted (`--kubeclient-qps=-1`, which turns client-go's rate limiter off; burst raised too).
 * It has one worker and no flag to change that.
 */
export type BitnamiSettings = "defaults" | "best";

export const BITNAMI_FLAGS: Record<BitnamiSettings, readonly string[]> = {
  defaults: [],
  best: ["--kubeclient-qps=-1", "--kubeclient-burst=1000"],
};

export interface BitnamiOptions {
  kubectl: string;
  /** An admin kubeconfig (bearer token) of the control plane. */
  kubeconfig: string;
  /** Folder that gets the controller's state folder (log, CA, certificate), e.g. the control plane's `dir`. */
  dir: string;
  /** The controller's namespace (created if missing): its ServiceAccount, RBAC and sealing keys live there. */
  namespace: string;
  settings?: BitnamiSettings;
  /** More controller flags. */
  args?: readonly string[];
  /** Default: scripts/build-go-tool.sh sealed-secrets (cached after the first build). */
  binaries?: BitnamiBinaries;
}

export interface BitnamiController {
  readonly namespace: string;
  readonly pid: number;
  /** performance.now() right before the process was started. */
  readonly startedAt: number;
  /** PEM certificate of its newest sealing key, for `kubeseal --cert` (public; the key stays in its Secret). */
  readonly certFile: string;
  readonly kubeseal: string;
  /** The controller's log so far (stdout and stderr). */
  log(): Promise<string>;
  /** Stops the process group and removes the state folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Builds (or finds in the cache) Bitnami's controller and kubeseal; progress goes to this process's stderr. */
export function buildBitnami(): Promise<BitnamiBinaries> {
  return new Promise((resolve, reject) => {
    const build = spawn("bash", [join(root, "scripts/build-go-tool.sh"), "sealed-secrets"], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    build.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    build.once("error", reject);
    build.once("exit", (code) => {
      const paths = stdout.trim().split("\n");
      const controller = paths.find((p) => p.endsWith("/sealed-secrets-controller"));
      const kubeseal = paths.find((p) => p.endsWith("/kubeseal"));
      if (code === 0 && controller && kubeseal) resolve({ controller, kubeseal });
      else reject(new Error(`scripts/build-go-tool.sh sealed-secrets failed (exit ${code}); its output is above`));
    });
  });
}

/** Applies Bitnami's CRD (`bitnami.com/v1alpha1` SealedSecret, test/bitnami/crd.yaml) and waits until it is served. */
export async function installBitnamiCrd(kubectl: string, kubeconfig: string): Promise<void> {
  await run(kubectl, ["--kubeconfig", kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", join(root, "test/bitnami/crd.yaml")]);
  await run(kubectl, ["--kubeconfig", kubeconfig, "wait", "--for=condition=Established", "--timeout=60s", "crd/sealedsecrets.bitnami.com"]);
}

/** Installs the CRD and RBAC, starts the controller and waits until its sealing key exists. */
export async function startBitnami(o: BitnamiOptions): Promise<BitnamiController> {
  const binaries = o.binaries ?? (await buildBitnami());
  await installBitnamiCrd(o.kubectl, o.kubeconfig);
  const rbac = (await readFile(join(root, "test/bitnami/rbac.yaml"), "utf8")).replaceAll("BITNAMI_NAMESPACE", o.namespace);
  await kubectlWithInput(o.kubectl, ["--kubeconfig", o.kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", "-"],
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${o.namespace}\n---\n${rbac}`);
  const token = await mintServiceAccountToken(o.kubectl, o.kubeconfig, o.namespace, ACCOUNT, "24h");
  const api = await apiOf(o.kubectl, o.kubeconfig);

  const state = await mkdtemp(join(o.dir, "kubectl-seal-bitnami-"));
  const caFile = join(state, "ca.crt");
  await writeFile(caFile, api.caPem);
  // Started through a link in the state folder, so its command line names that folder (CI's leftover check).
  const controller = join(state, "sealed-secrets-controller");
  await symlink(binaries.controller, controller);
  const reaper = startReaper(state);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("KUBERNETES_") && !k.startsWith("SEALED_SECRETS") && k !== "KUBECONFIG") env[k] = v;
  }
  const server = new URL(api.server);
  Object.assign(env, { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port || "443", POD_NAMESPACE: o.namespace });
  const unshare = process.getuid?.() === 0 ? ["--mount"] : ["--map-root-user", "--mount"];
  const args = [
    ...unshare, "--propagation", "private", "bash", join(root, "test/control-plane/in-pod.sh"), caFile, o.namespace, controller,
    // Loopback only, on ports the kernel picks: several controllers may run at once.
    "--listen-addr=127.0.0.1:0", "--listen-metrics-addr=127.0.0.1:0",
    ...BITNAMI_FLAGS[o.settings ?? "best"], ...(o.args ?? []),
  ];
  const startedAt = performance.now();
  const child = launch(`sealed-secrets-controller (${o.namespace})`, "unshare", args, join(state, "controller.log"), reaper, { env, input: token });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await terminate(child);
    reaper.release(); // the reaper removes the state folder
  };
  try {
    const certFile = join(state, "cert.pem");
    await waitUntil(`Bitnami's sealing key in ${o.namespace}`, async () => {
      const pem = await newestCert(api, o.namespace);
      if (pem === undefined) return false;
      await writeFile(certFile, pem);
      return true;
    }, [child]);
    if (child.child.pid === undefined) throw new Error("sealed-secrets-controller did not start");
    return {
      namespace: o.namespace,
      pid: child.child.pid,
      startedAt,
      certFile,
      kubeseal: binaries.kubeseal,
      log: () => readFile(child.logFile, "utf8"),
      stop,
    };
  } catch (error) {
    const tail = logTail(child);
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nsealed-secrets-controller log:\n${tail}`);
  }
}

interface Api {
  server: string;
  caPem: string;
  token: string;
}

/** Server, CA and bearer token of the kubeconfig's current context. */
async function apiOf(kubectl: string, kubeconfig: string): Promise<Api> {
  const { stdout } = await run(kubectl, ["--kubeconfig", kubeconfig, "config", "view", "--raw", "--minify", "-o", "json"]);
  const config = JSON.parse(stdout) as {
    clusters: { cluster: { server: string; "certificate-authority"?: string; "certificate-authority-data"?: string } }[];
    users: { user: { token?: string } }[];
  };
  const cluster = config.clusters[0]?.cluster;
  const token = config.users[0]?.user.token;
  if (!cluster || token === undefined) throw new Error(`${kubeconfig}: needs a cluster and a bearer token in its current context`);
  const caFile = cluster["certificate-authority"];
  const caData = cluster["certificate-authority-data"];
  const caPem = caData !== undefined ? Buffer.from(caData, "base64").toString() : caFile !== undefined ? await readFile(caFile, "utf8") : undefined;
  if (caPem === undefined) throw new Error(`${kubeconfig}: the cluster needs a certificate authority`);
  return { server: cluster.server, caPem, token };
}

/** The tls.crt of the newest key Secret the controller made in `namespace`, or undefined before there is one. */
async function newestCert(api: Api, namespace: string): Promise<string | undefined> {
  const selector = encodeURIComponent(`${KEY_LABEL}=active`);
  const list = (await getJson(api, `/api/v1/namespaces/${namespace}/secrets?labelSelector=${selector}`)) as {
    items: { metadata: { creationTimestamp: string }; data?: Record<string, string> }[];
  };
  const newest = list.items.sort((a, b) => b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp))[0];
  const crt = newest?.data?.["tls.crt"];
  return crt === undefined ? undefined : Buffer.from(crt, "base64").toString();
}

function getJson(api: Api, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = get(new URL(path, api.server), { ca: api.caPem, headers: { authorization: `Bearer ${api.token}` }, timeout: 5_000 }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => (response.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`GET ${path}: HTTP ${response.statusCode}`))));
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
  });
}

function kubectlWithInput(kubectl: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`kubectl ${args.join(" ")} failed (exit ${code}): ${stderr.trim()}`))));
    child.stdin.end(input);
  });
}
