// Runs `kubectl seal ...` the way a user does: the REAL kubectl from the control plane's build finds bin/kubectl-seal
// on PATH and runs it as a plugin. Every output is kept, so a test can prove no secret value was ever printed.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { cluster } from "../../control-plane/cluster.ts";
import { repoRoot } from "./controller.js";

export interface PluginRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Everything any `kubectl seal` run printed in this test file, by run. */
export const pluginOutput: Record<string, string> = {};
let runs = 0;

export interface PluginOptions {
  cwd: string;
  /** Default: the admin kubeconfig. */
  kubeconfig?: string;
  input?: string;
  env?: Record<string, string>;
  /**
   * Run the kubectl-seal found in this folder (the single executable) instead of bin/, with nothing else from this
   * process's environment: PATH is kubectl's folder and this one, HOME is `cwd`.
   */
  pluginDir?: string;
}

/** `kubectl seal <args>` with PATH = kubectl's folder + the project's bin/ (or `pluginDir`) and KUBECONFIG set. */
export function kubectlSeal(args: string[], options: PluginOptions): Promise<PluginRun> {
  const { kubectl, binDir, kubeconfig } = cluster();
  const env: Record<string, string> = options.pluginDir === undefined ? {} : { HOME: options.cwd };
  for (const [key, value] of Object.entries(options.pluginDir === undefined ? process.env : {})) {
    if (value !== undefined && !key.startsWith("KUBE") && !key.startsWith("GIT_")) env[key] = value;
  }
  Object.assign(env, {
    PATH: options.pluginDir === undefined ? `${binDir}:${join(repoRoot, "bin")}:${process.env.PATH ?? ""}` : `${binDir}:${options.pluginDir}`,
    KUBECONFIG: options.kubeconfig ?? kubeconfig,
    GIT_CONFIG_GLOBAL: join(options.cwd, ".git-global-config"),
    GIT_CONFIG_NOSYSTEM: "1",
    ...options.env,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, ["seal", ...args], { cwd: options.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      pluginOutput[`${described(args)} (run ${++runs})`] = stdout + stderr;
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Like kubectlSeal, but fails with the command's output unless it exits with `expected` (default 0). */
export async function kubectlSealOk(args: string[], options: PluginOptions, expected = 0): Promise<PluginRun> {
  const run = await kubectlSeal(args, options);
  if (run.code !== expected) {
    throw new Error(`${described(args)} exited ${run.code}, not ${expected}:\n${run.stderr}\n${run.stdout}`);
  }
  return run;
}

/** The command line for messages, with KEY=VALUE arguments (literal values) shown as KEY=***. */
function described(args: readonly string[]): string {
  return `kubectl seal ${args.map((arg) => arg.replace(/^([-._a-zA-Z0-9]+)=.*$/s, "$1=***")).join(" ")}`;
}
