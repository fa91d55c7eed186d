// A keyed work queue in the shape of client-go's workqueue: it holds keys ("namespace/name"), not objects;
// a key is queued at most once; a key being processed is never handed to a second worker, and if it is added
// meanwhile it is processed again afterwards. Failed keys come back after a per-key exponential backoff, up to a
// bounded number of retries. The retry policy lives here and nowhere else.
// Fair between namespaces: each namespace has its own FIFO of keys, and the namespaces that have keys waiting
// take turns (round robin), so a namespace flooding the queue (thousands of objects, constant edits) delays
// another namespace's next key by at most one key of its own, not by its whole backlog. And workers are shared:
// with N workers and A namespaces that have keys waiting or in flight, one namespace has at most ceil(N/A) keys
// in flight, and never all N, so a key of another namespace finds a free worker at once even while slow keys
// (many stanzas, large values) occupy the rest, and the slow ones cannot hold most of the workers while others
// wait. Their key agreements run on the unseal pool's threads, not on the event loop, and there too the namespaces
// take turns, value by value (unseal-pool.ts).
import type { Logger } from "./log.js";

/** What a handler reports for a key it processed without throwing. */
export type Outcome = "done" | "permanent";

export interface QueueOptions {
  /** First retry delay; doubles on every failure of the same key. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Failures after which a key is dropped until something adds it again. */
  maxRetries?: number;
  /** Called whenever the number of waiting keys changes (for the queue depth gauge). */
  onDepth?: (depth: number) => void;
}

export class WorkQueue {
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  readonly maxRetries: number;
  private readonly onDepth: (depth: number) => void;

  /** namespace -> its waiting keys in order; Map order is the turn order (a served namespace goes to the back). */
  private readonly byNamespace = new Map<string, string[]>();
  private waiting = 0;
  /** namespace -> keys being processed; a namespace at its share waits for one of them to finish. */
  private readonly inFlight = new Map<string, number>();
  /** Set by run(); without it (keys taken with get()) there is no share to keep. */
  private workers = Number.POSITIVE_INFINITY;
  /** key -> when it was queued (performance.now()), for the debug log's waitedMs. */
  private readonly queued = new Map<string, number>();
  private readonly processing = new Set<string>();
  /** key being processed -> how long it waited in the queue. */
  private readonly waitedMs = new Map<string, number>();
  // Keys added while being processed: re-queued when their processing ends.
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(opts: QueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 200;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
    this.maxRetries = opts.maxRetries ?? 15;
    this.onDepth = opts.onDepth ?? (() => {});
  }

  get length(): number {
    return this.waiting;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.set(key, performance.now());
    const namespace = namespaceOf(key);
    const keys = this.byNamespace.get(namespace);
    if (keys === undefined) this.byNamespace.set(namespace, [key]);
    else keys.push(key);
    this.waiting++;
    this.dispatch();
    this.onDepth(this.waiting);
  }

  /** Hands keys to workers waiting in get() while there are keys they may take. */
  private dispatch(): void {
    while (this.waiters.length > 0) {
      const key = this.next();
      if (key === undefined) return;
      this.waiters.shift()?.(key);
    }
  }

  /**
   * The first key of the first namespace in turn order that has a worker to spare; that namespace then goes to
   * the back of the line. The key is marked as being processed.
   */
  private next(): string | undefined {
    const share = this.share();
    for (const [namespace, keys] of this.byNamespace) {
      const busy = this.inFlight.get(namespace) ?? 0;
      if (busy >= share) continue;
      const key = keys.shift();
      if (key === undefined) continue;
      this.byNamespace.delete(namespace);
      if (keys.length > 0) this.byNamespace.set(namespace, keys);
      this.waiting--;
      this.waitedMs.set(key, performance.now() - (this.queued.get(key) ?? performance.now()));
      this.queued.delete(key);
      this.processing.add(key);
      this.inFlight.set(namespace, busy + 1);
      return key;
    }
    return undefined;
  }

  /** Keys one namespace may have in flight: an equal share of the workers, never all of them (but at least one). */
  private share(): number {
    if (!Number.isFinite(this.workers)) return this.workers;
    let active = this.inFlight.size;
    for (const namespace of this.byNamespace.keys()) if (!this.inFlight.has(namespace)) active++;
    return Math.max(1, Math.min(this.workers - 1, Math.ceil(this.workers / Math.max(1, active))));
  }

  /** Adds `key` after its backoff delay; returns false (and forgets the key) once it has failed too often. */
  addRateLimited(key: string): boolean {
    const failures = (this.failures.get(key) ?? 0) + 1;
    if (failures > this.maxRetries) {
      this.forget(key);
      return false;
    }
    this.failures.set(key, failures);
    this.addAfter(key, this.delayFor(failures));
    return true;
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    const previous = this.timers.get(key);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Clears the failure count of `key`: call after it succeeds or fails for good. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Exponential backoff with a cap: base * 2^(failures-1). */
  delayFor(failures: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failures - 1, 30));
  }

  /** The next key to process, waiting if there is none; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.next();
    if (key !== undefined) {
      this.onDepth(this.waiting);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` processed; if it was added meanwhile it is queued again. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    this.waitedMs.delete(key);
    const namespace = namespaceOf(key);
    const busy = (this.inFlight.get(namespace) ?? 1) - 1;
    if (busy > 0) this.inFlight.set(namespace, busy);
    else this.inFlight.delete(namespace);
    if (this.dirty.delete(key)) this.add(key);
    this.dispatch(); // the namespace may take a worker again
    this.onDepth(this.waiting);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /**
   * Runs `workers` loops that take keys and call `handle`. "done" and "permanent" forget the key's failures (a
   * permanent failure was recorded by the handler and waits for something to change); a thrown error re-queues the
   * key with backoff. A namespace gets at most its share of them at a time (see share()). Resolves when the queue
   * is shut down and the workers are idle.
   */
  async run(workers: number, handle: (key: string) => Promise<Outcome>, log: Logger): Promise<void> {
    this.workers = Math.max(1, workers);
    const worker = async (): Promise<void> => {
      for (let key = await this.get(); key !== undefined; key = await this.get()) {
        const started = performance.now();
        try {
          const outcome = await handle(key);
          this.forget(key);
          // How long the key waited for a worker, and how long its sync took: where a slow key's time went.
          const waitedMs = Math.round(this.waitedMs.get(key) ?? 0);
          log.debug("synced", { key, outcome, waitedMs, tookMs: Math.round(performance.now() - started) });
        } catch (err) {
          if (this.addRateLimited(key)) {
            log.warn("sync failed, will retry", { key, retries: this.retries(key), error: errorText(err) });
          } else {
            log.error("sync failed too often, dropped until the object changes", { key, error: errorText(err) });
          }
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  }
}

/** The namespace part of a "namespace/name" key ("" for a key without one). */
function namespaceOf(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? "" : key.slice(0, slash);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
