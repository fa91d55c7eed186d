// Runs the built controller as a real child process and captures everything it prints: the bundle the image ships
// (dist/bundle/controller.mjs, made by npm run build from the same sources as dist/controller/).
// General on purpose: any controller test (reconcile, keys, leader election, in-cluster) starts controllers here.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait.js";

// The benchmark (bench/) imports this file too, compiled one level deeper into dist/test/...: the root is the
// folder that holds package.json.
const up3 = fileURLToPath(new URL("../../..", import.meta.url));
export const repoRoot = existsSync(join(up3, "package.json")) ? up3 : join(up3, "..");
export const controllerMain = join(repoRoot, "dist/bundle/controller.mjs");

export interface StartControllerOptions {
  /** Passed as --kubeconfig unless undefined (e.g. for in-cluster mode through env). */
  kubeconfig?: string;
  /** Controller namespace (--namespace). */
  namespace: string;
  /** --watch-namespace values; empty or undefined watches all namespaces. */
  watchNamespaces?: string[];
  /** More flags, e.g. ["--key-rotation-period", "20s"]. */
  args?: string[];
  /** Extra environment (merged over process.env without KUBECONFIG and SEAL_*). */
  env?: Record<string, string>;
  /** Label in log file names and error messages. */
  name?: string;
  /** Default true: wait until the health server port is known. */
  waitForPort?: boolean;
  /** Rewrites the command line, e.g. MemoryCgroup.wrap to start the controller inside a cgroup. */
  launch?: (command: string, args: string[]) => { command: string; args: string[] };
}

export interface LogLine {
  level?: string;
  msg?: string;
  audit?: boolean;
  [field: string]: unknown;
}

export class ControllerProcess {
  private stdout = "";
  private stderr = "";
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined;
  /** Port of /healthz, /readyz, /metrics. */
  port = 0;

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
    readonly logFile: string,
  ) {
    const file = createWriteStream(logFile);
    child.stdout?.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString();
      file.write(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
      file.write(chunk);
    });
    this.exited = new Promise((resolve) =>
      child.once("exit", (code) => {
        this.exitCode = code;
        file.end();
        resolve(code);
      }),
    );
  }

  /** Everything the process wrote to stdout and stderr so far. */
  output(): string {
    return this.stdout + this.stderr;
  }

  /** stdout parsed as JSON lines (non-JSON lines are reported as { msg: <text>, invalid: true }). */
  lines(): LogLine[] {
    return this.stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          return { msg: l, invalid: true };
        }
      });
  }

  auditLines(): LogLine[] {
    return this.lines().filter((l) => l.audit === true);
  }

  async waitForLog(predicate: (line: LogLine) => boolean, what: string, timeoutMs = 60_000): Promise<LogLine> {
    return waitFor(
      () => {
        if (this.exitCode !== undefined) throw new Error(`${this.name} exited with ${this.exitCode}: ${this.tail()}`);
        return this.lines().find(predicate);
      },
      { what: `${this.name}: ${what}`, timeoutMs },
    );
  }

  /** GET a path of the health server; returns status and body. */
  async http(path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`);
    return { status: res.status, body: await res.text() };
  }

  tail(lines = 20): string {
    return this.output().trim().split("\n").slice(-lines).join("\n");
  }

  /** SIGTERM and wait for exit (SIGKILL after graceMs). */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL: the process dies without releasing anything (a crashed leader). */
  async kill(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }
}

const running = new Set<ControllerProcess>();

/** Starts a controller with --log-level debug and --metrics-addr 127.0.0.1:0; waits for its health port. */
export async function startController(opts: StartControllerOptions): Promise<ControllerProcess> {
  if (!existsSync(controllerMain)) throw new Error(`${controllerMain} is missing: run npm run build first`);
  const name = opts.name ?? "controller";
  const args = [controllerMain, "--namespace", opts.namespace, "--log-level", "debug", "--metrics-addr", "127.0.0.1:0"];
  if (opts.kubeconfig !== undefined) args.push("--kubeconfig", opts.kubeconfig);
  for (const ns of opts.watchNamespaces ?? []) args.push("--watch-namespace", ns);
  args.push(...(opts.args ?? []));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== "KUBECONFIG" && !k.startsWith("SEAL_") && !k.startsWith("KUBERNETES_")) env[k] = v;
  }
  const launched = opts.launch?.(process.execPath, args) ?? { command: process.execPath, args };
  const child = spawn(launched.command, launched.args, { env: { ...env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  const dir = mkdtempSync(join(tmpdir(), "kubectl-seal-ctl-"));
  const proc = new ControllerProcess(child, name, join(dir, `${name}.log`));
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  if (opts.waitForPort ?? true) {
    const line = await proc.waitForLog((l) => l.msg === "serving health and metrics", "health server port");
    proc.port = Number(line.port);
  }
  return proc;
}

/** Stops every controller started by this test file (call from afterAll). */
export async function stopAllControllers(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}
