// vitest globalSetup of the `integration` project: builds (or reuses) the binaries, starts one control plane for
// the whole run and hands its coordinates to the test files, which read them with inject() (see cluster.ts).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { startControlPlane, users } from "./control-plane.ts";
import type { ControlPlane, NodeInfo, Tokens, User } from "./control-plane.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin kubeconfig (system:masters). */
    kubeconfig: string;
    server: string;
    caFile: string;
    kubectl: string;
    binDir: string;
    /** The control plane's temporary folder (logs under logs/); tests may put scratch files in it. */
    dir: string;
    tokens: Tokens;
    kubeconfigs: Record<User, string>;
    /** Loopback URL of the control endpoint; cluster.ts's restartApiServer(), restartEtcd() and startNode() post to it. */
    controlPlaneControl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await buildGoTools();
  const started = Date.now();
  const cluster = await startControlPlane();
  process.stderr.write(`control-plane: ready at ${cluster.server} in ${((Date.now() - started) / 1000).toFixed(1)}s (logs: ${cluster.dir}/logs)\n`);
  let control: { url: string; server: Server };
  try {
    control = await serveControl(cluster);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  const kubeconfigs = Object.fromEntries(users.map((user) => [user, cluster.kubeconfigFor(user)])) as Record<User, string>;
  project.provide("kubeconfig", cluster.kubeconfig);
  project.provide("server", cluster.server);
  project.provide("caFile", cluster.caFile);
  project.provide("kubectl", cluster.kubectl);
  project.provide("binDir", cluster.binDir);
  project.provide("dir", cluster.dir);
  project.provide("tokens", cluster.tokens);
  project.provide("kubeconfigs", kubeconfigs);
  project.provide("controlPlaneControl", control.url);
  return async () => {
    control.server.close();
    await cluster.stop();
  };
}

/**
 * Every pinned Go tool the tests run beside ours (test/tools/*: helm, krew, gitleaks, Bitnami's), built once before
 * any test: on a cold machine a build inside a test would race that test's timeout. Cached, this returns at once.
 */
function buildGoTools(): Promise<void> {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const tools = readdirSync(join(root, "test/tools")).filter((name) => existsSync(join(root, "test/tools", name, "commands")));
  return new Promise((resolve, reject) => {
    const build = spawn("bash", [join(root, "scripts/build-go-tool.sh"), ...tools], { stdio: ["ignore", "ignore", "inherit"] });
    build.once("error", reject);
    build.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`scripts/build-go-tool.sh ${tools.join(" ")} failed (exit ${code}); its output is above`))));
  });
}

/**
 * Test files run in worker processes, but the control plane's processes belong to this one. A loopback HTTP
 * endpoint behind an unguessable path lets a test ask for an API server restart and wait until it is ready again.
 */
function serveControl(cluster: ControlPlane): Promise<{ url: string; server: Server }> {
  const secret = randomBytes(16).toString("hex");
  let queue = Promise.resolve(); // one restart at a time
  const server = createServer((request, response) => {
    if (request.method === "POST" && request.url === `/${secret}/start-node`) {
      // The first test that needs the node starts it; it then stays up for the rest of the run.
      cluster.startNode().then(
        (node: NodeInfo) => void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(node)),
        (error: unknown) => void response.writeHead(500).end(String(error)),
      );
      return;
    }
    const restarts: Record<string, () => Promise<void>> = {
      [`/${secret}/restart-apiserver`]: () => cluster.restartApiServer(),
      [`/${secret}/restart-etcd`]: () => cluster.restartEtcd(),
    };
    const restart = restarts[request.url ?? ""];
    if (request.method !== "POST" || restart === undefined) {
      response.writeHead(404).end();
      return;
    }
    queue = queue.then(restart).then(
      () => void response.writeHead(204).end(),
      (error: unknown) => void response.writeHead(500).end(String(error)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (typeof address !== "object" || !address) return reject(new Error("control endpoint has no address"));
      resolve({ url: `http://127.0.0.1:${address.port}/${secret}`, server });
    });
  });
}
