// A bounded background queue for Kubernetes Events, in the manner of client-go's EventBroadcaster: recording an
// Event costs its caller a push, and a small pool of writers sends the Events to the API server on their own time,
// so a reconcile worker is not held up by a write that does not change the world. Items that share a series key
// are written one at a time and in order: a repeat must find the Event that its predecessor created, to bump its
// series instead of creating a second one. When the queue is full a new item is dropped and reported to onDrop.

export interface EventSinkOptions<T> {
  /** Sends one item; expected to handle its own errors (a rejection is passed to onError). */
  write: (item: T) => Promise<void>;
  /** Items with the same key are written in order, never two at once. */
  keyOf: (item: T) => string;
  /** Items waiting at most; more are dropped. */
  capacity: number;
  /** Items written at once. */
  writers: number;
  onDrop: (item: T) => void;
  onError: (item: T, err: unknown) => void;
}

interface Waiting<T> {
  key: string;
  item: T;
}

export class EventSink<T> {
  private readonly waiting: Waiting<T>[] = [];
  private readonly writing = new Set<string>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: EventSinkOptions<T>) {}

  /** Items queued or being written. */
  get size(): number {
    return this.waiting.length + this.writing.size;
  }

  /** Queues `item`; returns false (and reports it to onDrop) when the queue is full. */
  push(item: T): boolean {
    if (this.waiting.length >= this.o.capacity) {
      this.o.onDrop(item);
      return false;
    }
    this.waiting.push({ key: this.o.keyOf(item), item });
    this.pump();
    return true;
  }

  /** Resolves true once everything queued so far is written, or false when `timeoutMs` passes first. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<true>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([idle, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  // Starts writes while there are free writers and items whose key is not being written.
  private pump(): void {
    while (this.writing.size < this.o.writers) {
      const index = this.waiting.findIndex((w) => !this.writing.has(w.key));
      if (index < 0) break;
      const [next] = this.waiting.splice(index, 1);
      if (next === undefined) break;
      this.writing.add(next.key);
      void this.o
        .write(next.item)
        .catch((err: unknown) => this.o.onError(next.item, err))
        .finally(() => {
          this.writing.delete(next.key);
          this.pump();
          if (this.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }
}
