// The cluster side of the benchmark: a local control plane started like the integration tests start it
// (test/control-plane/control-plane.ts, loaded at run time on Node's type stripping), or an existing cluster
// (--kubeconfig/--kubectl, which the smoke test uses); the CRDs applied with kubectl; controllers started with the
// tests' own helper (test/integration/helpers/controller.ts) and set up with keys.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { PooledKubeConfig } from "../src/cluster/pooled-kubeconfig.js";
import { parse } from "yaml";
import { verifyBundle } from "../src/index.js";
import type { KeyBundle } from "../src/index.js";
import { repoRoot, startController } from "../test/integration/helpers/controller.js";
import type { ControllerProcess } from "../test/integration/helpers/controller.js";
import { waitFor } from "../test/integration/helpers/wait.js";

const run = promisify(execFile);

export interface BenchCluster {
  kubeconfig: string;
  /** The API server's URL (https://127.0.0.1:PORT for the local control plane). */
  server: string;
  /** The local control plane's real node (test/control-plane/node.ts); undefined with --kubeconfig. */
  startNode?: () => Promise<{ name: string; dir: string }>;
  kubectl: string;
  /** Scratch folder for this benchmark run (removed at the end). */
  dir: string;
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
}

/** What bench needs of test/control-plane/control-plane.ts (typed here: that file is not part of the tsc build). */
interface ControlPlane {
  kubeconfig: string;
  kubectl: string;
  server: string;
  startNode(): Promise<{ name: string; dir: string }>;
  stop(): Promise<void>;
}

export async function withCluster(
  o: { kubeconfig: string | undefined; kubectl: string | undefined },
  progress: (line: string) => void,
  body: (cluster: BenchCluster) => Promise<void>,
): Promise<void> {
  let controlPlane: ControlPlane | undefined;
  const dir = mkdtempSync(join(tmpdir(), "kubectl-seal-bench-"));
  try {
    if (o.kubeconfig === undefined || o.kubectl === undefined) {
      progress("starting a local control plane (test/control-plane)");
      const module = (await import(pathToFileURL(join(repoRoot, "test/control-plane/control-plane.ts")).href)) as {
        startControlPlane(): Promise<ControlPlane>;
      };
      controlPlane = await module.startControlPlane();
    }
    const kubeconfig = controlPlane?.kubeconfig ?? o.kubeconfig ?? "";
    const kubectl = controlPlane?.kubectl ?? o.kubectl ?? "";
    await applyCrds(kubectl, kubeconfig);
    // The floor is a good plain client: it reuses its connections, as the controller does.
    const kc = new PooledKubeConfig();
    kc.loadFromFile(kubeconfig);
    const server = kc.getCurrentCluster()?.server ?? "";
    const startNode = controlPlane ? () => controlPlane!.startNode() : undefined;
    await body({ kubeconfig, kubectl, server, ...(startNode ? { startNode } : {}), dir, kc, core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await controlPlane?.stop();
  }
}

async function applyCrds(kubectl: string, kubeconfig: string): Promise<void> {
  const files = ["crd.yaml", "sealrequest-crd.yaml"].flatMap((f) => ["-f", join(repoRoot, "manifests", f)]);
  await run(kubectl, ["--kubeconfig", kubeconfig, "apply", "--server-side", "--force-conflicts", ...files]);
  await run(kubectl, ["--kubeconfig", kubeconfig, "wait", "--for=condition=Established", "--timeout=60s", "crd/sealedsecrets.seal.dev", "crd/sealrequests.seal.dev"]);
}

let serial = 0;
/** A fresh namespace name; created when `create` is true. */
export async function namespace(cluster: BenchCluster, prefix: string, create = true): Promise<string> {
  const name = `${prefix}-${process.pid}-${++serial}`;
  if (create) await cluster.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Deletes namespaces and does not wait for them to go (the API server finishes that in the background). */
export async function dropNamespaces(cluster: BenchCluster, names: string[]): Promise<void> {
  await Promise.allSettled(names.map((name) => cluster.core.deleteNamespace({ name })));
}

export interface ControllerRun {
  workers?: number;
  watchNamespaces: string[];
  /** Folder for `node --cpu-prof` output, or undefined. */
  profileDir?: string;
  /** NODE_OPTIONS for the controller, e.g. a heap limit like the one a container's memory limit implies. */
  nodeOptions?: string;
  name: string;
  /** Rewrites the command line (e.g. to start the controller in a memory cgroup). */
  launch?: (command: string, args: string[]) => { command: string; args: string[] };
  /** More controller flags, e.g. --bitnami-keys-namespace. */
  args?: string[];
}

interface Container {
  env?: { name: string; value?: unknown }[];
  resources?: { limits?: { memory?: string }; requests?: { memory?: string } };
}

function deploymentContainer(): Container {
  const doc = parse(readFileSync(join(repoRoot, "manifests/deployment.yaml"), "utf8")) as {
    spec?: { template?: { spec?: { containers?: Container[] } } };
  };
  return doc.spec?.template?.spec?.containers?.[0] ?? {};
}

/** The literal environment of the controller container in manifests/deployment.yaml (NODE_OPTIONS, MALLOC_ARENA_MAX). */
export function deploymentEnv(): Record<string, string> {
  const env = deploymentContainer().env ?? [];
  return Object.fromEntries(env.filter((e) => typeof e.value === "string").map((e) => [e.name, e.value as string]));
}

/** The controller container's memory limit (or request) in manifests/deployment.yaml, in bytes (e.g. 256Mi). */
export function deploymentMemoryLimit(which: "limits" | "requests" = "limits"): number {
  const text = deploymentContainer().resources?.[which]?.memory ?? "";
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(text);
  if (match === null) throw new Error(`manifests/deployment.yaml: memory ${which} "${text}" is not a number with Ki, Mi or Gi`);
  return Number(match[1]) * 1024 ** ["", "Ki", "Mi", "Gi"].indexOf(match[2] ?? "");
}

/**
 * Starts a controller at info level (debug logging would be measured too) for `controllerNamespace`, with the
 * environment the Deployment gives it (heap limit, malloc arenas): the controller as shipped.
 */
export function controller(cluster: BenchCluster, controllerNamespace: string, o: ControllerRun): Promise<ControllerProcess> {
  const args = ["--log-level", "info"]; // the helper asks for debug; the last flag wins
  if (o.workers !== undefined) args.push("--workers", String(o.workers));
  args.push(...(o.args ?? []));
  const shipped = deploymentEnv();
  const nodeOptions = [o.nodeOptions ?? shipped["NODE_OPTIONS"] ?? "", o.profileDir === undefined ? "" : `--cpu-prof --cpu-prof-dir=${o.profileDir}`].join(" ").trim();
  const env: Record<string, string> = { ...shipped, ...(nodeOptions === "" ? {} : { NODE_OPTIONS: nodeOptions }) };
  return startController({ kubeconfig: cluster.kubeconfig, namespace: controllerNamespace, watchNamespaces: o.watchNamespaces, args, env, name: o.name, launch: o.launch });
}

/** Runs a controller once so it creates its keys and publishes the signed bundle; returns the bundle. */
export async function controllerKeys(cluster: BenchCluster, controllerNamespace: string): Promise<KeyBundle> {
  const first = await controller(cluster, controllerNamespace, { watchNamespaces: [`${controllerNamespace}-none`], name: "key-setup" });
  try {
    return await publishedBundle(cluster, controllerNamespace);
  } finally {
    await first.stop();
  }
}

/** The verified bundle in ConfigMap kubectl-seal-keys (bundle.yaml), once the controller has published it. */
export function publishedBundle(cluster: BenchCluster, controllerNamespace: string): Promise<KeyBundle> {
  return waitFor(
    async () => {
      const cm = await cluster.core.readNamespacedConfigMap({ name: "kubectl-seal-keys", namespace: controllerNamespace });
      const text = cm.data?.["bundle.yaml"];
      return text === undefined ? undefined : verifyBundle(parse(text));
    },
    { what: `key bundle in ${controllerNamespace}`, timeoutMs: 60_000 },
  );
}

/** Resident set size of a process in MB (Linux /proc), or undefined elsewhere. */
export async function rssMb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const { readFile } = await import("node:fs/promises");
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}
