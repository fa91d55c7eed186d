// Child processes of the local control plane: each runs in its own process group (detached) so that stopping
// it also stops anything it forked, and a detached reaper (reaper.sh) cleans up if this Node process dies first.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<string>;
  hasExited: boolean;
}

export interface Reaper {
  track(pid: number): void;
  untrack(pid: number): void;
  /** Closes the reaper's stdin: it then stops whatever is still tracked and removes the state folder. */
  release(): void;
}

export function startReaper(dir: string): Reaper {
  const script = fileURLToPath(new URL("./reaper.sh", import.meta.url));
  const child = spawn("bash", [script, dir], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  const stdin = child.stdin!;
  stdin.on("error", () => {}); // the reaper exiting early must not crash the test run
  child.unref();
  // The pipe must not keep this process alive either: its closing at our exit is the reaper's signal.
  (stdin as unknown as { unref?: () => void }).unref?.();
  return {
    track: (pid) => void stdin.write(`+${pid}\n`),
    untrack: (pid) => void stdin.write(`-${pid}\n`),
    release: () => stdin.end(),
  };
}

export interface LaunchOptions {
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed: a credential passed this way never touches a disk. */
  input?: string;
}

export function launch(name: string, command: string, args: string[], logFile: string, reaper: Reaper, options: LaunchOptions = {}): RunningProcess {
  const log = openSync(logFile, "a");
  const stdin = options.input === undefined ? "ignore" : "pipe";
  const child = spawn(command, args, { detached: true, env: options.env, stdio: [stdin, log, log] });
  closeSync(log);
  child.stdin?.on("error", () => {}); // a child that exits before reading: its exit is reported through `exited`
  child.stdin?.end(options.input);
  if (child.pid !== undefined) reaper.track(child.pid);
  const running: RunningProcess = {
    name,
    child,
    logFile,
    hasExited: false,
    exited: new Promise((resolve) => {
      const done = (outcome: string) => {
        running.hasExited = true;
        if (child.pid !== undefined) reaper.untrack(child.pid);
        resolve(outcome);
      };
      child.once("exit", (code, signal) => done(signal ?? String(code)));
      child.once("error", (error) => done(error.message));
    }),
  };
  return running;
}

/** SIGTERM to the whole process group, SIGKILL if it has not exited after the grace period. */
export async function terminate(process_: RunningProcess, graceMs = 10_000): Promise<void> {
  if (process_.hasExited || process_.child.pid === undefined) return;
  const group = -process_.child.pid;
  signalGroup(group, "SIGTERM");
  const timer = setTimeout(() => signalGroup(group, "SIGKILL"), graceMs);
  await process_.exited;
  clearTimeout(timer);
  signalGroup(group, "SIGKILL"); // anything the process forked and left behind
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(group, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

export function logTail(process_: RunningProcess, lines = 25): string {
  try {
    return readFileSync(process_.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Polls `check` until it returns true. Fails at the deadline, or at once when one of the `watched` processes
 * exits, with the tail of that process's log so the cause is visible.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  watched: RunningProcess[],
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = watched.find((p) => p.hasExited);
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}; last log lines:\n${logTail(dead)}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      const logs = watched.map((p) => `--- ${p.name} (${p.logFile})\n${logTail(p)}`).join("\n");
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
