// Minimal HTTPS/HTTP probes and the kubectl calls the control plane itself needs (readiness, token minting).
// Kept free of vitest and client-node so that scripts/control-plane.sh can run it with plain Node.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { get } from "node:https";
import { createServer } from "node:net";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A port the kernel just handed out on 127.0.0.1 and that is free again now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** HTTP status of GET `server` + `path` as the bearer of `token`, trusting only `caFile`. */
export function apiStatus(server: string, caFile: string, token: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(new URL(path, server), {
      ca: readFileSync(caFile),
      headers: { authorization: `Bearer ${token}` },
      timeout: 5_000,
    }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
  });
}

export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return response.ok;
}

/** Mints a token for ServiceAccount `namespace/name` through the TokenRequest API (`kubectl create token`). */
export async function mintServiceAccountToken(
  kubectl: string,
  kubeconfig: string,
  namespace: string,
  name: string,
  duration = "1h",
): Promise<string> {
  const { stdout } = await run(kubectl, ["--kubeconfig", kubeconfig, "create", "token", name, "-n", namespace, `--duration=${duration}`]);
  return stdout.trim();
}
