// The unseal pool: a few worker threads (unseal-worker.ts) that open sealed values, so the key agreements (one per
// stanza and key; a poisoned object at the limits asks for 1,024) never run on the controller's event loop, where
// they delayed every watch event, API response and write of every other namespace. Measured: BENCHMARKS.md row 11.
// Fair: values wait in one lane per namespace and the lanes take turns for the threads (fair-lanes.ts). unseal()
// sends an object's values one after another, so a namespace flooding the controller with the most expensive
// objects the limits allow delays another namespace's value by at most one value (<= 16 stanzas) of its own per
// thread, however large its backlog: cheap objects do not wait behind expensive ones.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { OpenerUnavailableError } from "../src/errors.js";
import type { PrivateKey } from "../src/types.js";
import type { OpenedValue, ValueOpener } from "../src/age/open-value.js";
import { FairLanes } from "./fair-lanes.js";
import type { Logger } from "./log.js";
import type { OpenReply, OpenTask } from "./unseal-worker.js";

/**
 * One less than the CPUs Node sees (the event loop keeps one), from 1 to 2: more threads than CPUs only contend,
 * and each thread holds ~20 MiB (a V8 isolate and the age code) inside the Deployment's 256 MiB.
 */
export function defaultUnsealThreads(): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1));
}

const RESTART_MAX_MS = 30_000;

interface Waiting {
  task: OpenTask;
  resolve: (opened: OpenedValue | undefined) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  busy: Waiting | undefined;
  /** False from its exit until its replacement starts: given nothing meanwhile. */
  alive: boolean;
}

export class UnsealPool {
  private readonly lanes = new FairLanes<Waiting>();
  private readonly threads: Thread[] = [];
  private nextId = 0;
  private closed = false;
  /** Threads that stopped since one last answered: a thread that cannot even start is not restarted in a loop. */
  private exitsInARow = 0;

  constructor(
    threads: number,
    private readonly log: Logger,
    private readonly script: URL = new URL("./unseal-worker.js", import.meta.url),
  ) {
    for (let i = 0; i < Math.max(1, threads); i++) this.threads.push(this.start());
  }

  /** The opener unseal() uses for objects of `namespace`: its values wait in that namespace's lane. */
  opener(namespace: string): ValueOpener {
    return (file, keys) => this.open(namespace, file, keys);
  }

  private open(namespace: string, file: Uint8Array, keys: readonly PrivateKey[]): Promise<OpenedValue | undefined> {
    if (this.closed) return Promise.reject(new OpenerUnavailableError("the unseal pool is closed"));
    return new Promise((resolve, reject) => {
      // A copy of exactly the value's bytes: a view would send its whole (maybe shared) buffer to the thread.
      this.lanes.push(namespace, { task: { id: this.nextId++, file: file.slice(), keys: [...keys] }, resolve, reject });
      this.dispatch();
    });
  }

  /** Gives waiting values to idle threads, lanes in turn. */
  private dispatch(): void {
    for (const thread of this.threads) {
      if (thread.busy !== undefined || !thread.alive) continue;
      const next = this.lanes.shift();
      if (next === undefined) return;
      thread.busy = next;
      thread.worker.postMessage(next.task, [next.task.file.buffer as ArrayBuffer]);
    }
  }

  private start(): Thread {
    const worker = new Worker(this.script);
    const thread: Thread = { worker, busy: undefined, alive: true };
    worker.unref(); // an idle pool never keeps the process alive
    worker.on("message", (reply: OpenReply) => {
      const waiting = thread.busy;
      if (waiting === undefined || waiting.task.id !== reply.id) return;
      thread.busy = undefined;
      this.exitsInARow = 0;
      if ("plaintext" in reply) waiting.resolve({ plaintext: reply.plaintext, keyId: reply.keyId });
      else if ("noMatch" in reply) waiting.resolve(undefined);
      else waiting.reject(new Error(reply.error));
      this.dispatch();
    });
    // A thread that dies fails only the value it held, as retryable, and is replaced, after a delay that grows
    // while threads keep dying without answering.
    worker.on("error", (err) => this.log.error("unseal thread failed", { error: err.message }));
    worker.on("exit", (code) => {
      thread.alive = false;
      thread.busy?.reject(new OpenerUnavailableError(`the unseal thread stopped (exit code ${code})`));
      thread.busy = undefined;
      if (this.closed) return;
      const delayMs = Math.min(RESTART_MAX_MS, 2 ** Math.min(this.exitsInARow++, 10) * 100);
      setTimeout(() => {
        const index = this.threads.indexOf(thread);
        if (this.closed || index < 0) return;
        this.threads[index] = this.start();
        this.dispatch();
      }, delayMs).unref();
    });
    return thread;
  }

  /** Stops the threads; values still waiting or being opened fail as retryable. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.lanes.drain()) waiting.reject(new OpenerUnavailableError("the unseal pool is closed"));
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
