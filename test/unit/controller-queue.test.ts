// The work queue's contract: keys deduplicated, never processed by two workers at once, re-processed if added
// while in flight, retried with capped exponential backoff up to a bound, forgotten on success.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../../controller/log.js";
import { WorkQueue } from "../../controller/queue.js";

const quiet = createLogger("error", () => {});

describe("WorkQueue", () => {
  it("hands out each queued key once, however often it was added: in order within a namespace, namespaces taking turns", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom("a/1", "a/2", "a/3", "b/1", "b/2", "c/3"), { maxLength: 40 }), async (adds) => {
        const q = new WorkQueue();
        for (const key of adds) q.add(key);
        // Round robin: the first key of each namespace (in the order namespaces first came), then the second, ...
        const perNamespace = new Map<string, string[]>();
        for (const key of new Set(adds)) perNamespace.set(key.split("/")[0] ?? "", [...(perNamespace.get(key.split("/")[0] ?? "") ?? []), key]);
        const rounds = Math.max(0, ...[...perNamespace.values()].map((keys) => keys.length));
        const expected = Array.from({ length: rounds }, (_, round) => [...perNamespace.values()].flatMap((keys) => keys.slice(round, round + 1))).flat();
        expect(q.length).toBe(expected.length);
        const got: string[] = [];
        for (let i = 0; i < expected.length; i++) {
          const key = await q.get();
          if (key !== undefined) got.push(key);
        }
        expect(got).toEqual(expected);
        expect(q.length).toBe(0);
      }),
    );
  });

  it("a namespace flooding the queue, and re-adding its keys meanwhile, delays another namespace's key by at most one of its own", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 20 }), async (flood, taken, edits) => {
        const q = new WorkQueue();
        for (let i = 0; i < flood; i++) q.add(`poison/s${i}`);
        for (let i = 0; i < Math.min(taken, flood); i++) {
          const key = (await q.get()) ?? "";
          if (i < edits) q.add(key); // edited while in flight: comes back once done
          q.done(key);
        }
        q.add("shop/db");
        const first = await q.get();
        const next = first === "shop/db" ? [first] : [first, await q.get()];
        expect(next).toContain("shop/db");
      }),
    );
  });

  it("run: a well-behaved namespace's key is synced while a flood of slow keys is still waiting", async () => {
    const q = new WorkQueue();
    const synced: string[] = [];
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const running = q.run(2, async (key) => {
      synced.push(key);
      if (key.startsWith("poison/")) await slow; // every poisoned key holds its worker until released
      return "done";
    }, quiet);
    for (let i = 0; i < 1000; i++) q.add(`poison/s${i}`);
    q.add("shop/db");
    // Two workers: one is held by a poisoned key; the other takes the next turn, which is shop's.
    await vi.waitFor(() => expect(synced).toContain("shop/db"));
    expect(synced.filter((key) => key.startsWith("poison/")).length).toBeLessThanOrEqual(2);
    release();
    q.shutDown();
    await running;
  });

  it("run: workers are shared - a flooding namespace hands freed workers to the other until both hold half", async () => {
    const q = new WorkQueue();
    const active = new Map<string, () => void>();
    const running = q.run(8, (key) => new Promise((resolve) => active.set(key, () => resolve("done"))), quiet);
    const inFlight = (ns: string): number => [...active.keys()].filter((key) => key.startsWith(`${ns}/`)).length;
    for (let i = 0; i < 100; i++) q.add(`poison/s${i}`);
    await vi.waitFor(() => expect(inFlight("poison")).toBe(7)); // alone: all workers but one
    for (let i = 0; i < 10; i++) q.add(`shop/k${i}`);
    await vi.waitFor(() => expect(inFlight("shop")).toBe(1)); // the spare worker, at once
    for (const key of [...active.keys()].filter((k) => k.startsWith("poison/")).slice(0, 3)) {
      active.get(key)?.();
      active.delete(key);
    }
    await vi.waitFor(() => expect([inFlight("poison"), inFlight("shop")]).toEqual([4, 4]));
    q.shutDown();
    for (const release of active.values()) release();
    await running;
  });

  it("queues a key added while it is processed again once it is done, not before", async () => {
    const q = new WorkQueue();
    q.add("ns/a");
    const key = await q.get();
    q.add("ns/a");
    expect(q.length).toBe(0);
    q.done(key ?? "");
    expect(q.length).toBe(1);
    expect(await q.get()).toBe("ns/a");
  });

  it("backs off exponentially up to the cap", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 80 }), (base, max, failures) => {
        const q = new WorkQueue({ baseDelayMs: base, maxDelayMs: max });
        const delay = q.delayFor(failures);
        expect(delay).toBeLessThanOrEqual(max);
        expect(delay).toBe(Math.min(max, base * 2 ** Math.min(failures - 1, 30)));
        if (failures > 1) expect(delay).toBeGreaterThanOrEqual(q.delayFor(failures - 1));
      }),
    );
  });

  it("gives up on a key after maxRetries failures and forgets its count", () => {
    const q = new WorkQueue({ baseDelayMs: 1, maxRetries: 3 });
    expect([q.addRateLimited("k"), q.addRateLimited("k"), q.addRateLimited("k")]).toEqual([true, true, true]);
    expect(q.retries("k")).toBe(3);
    expect(q.addRateLimited("k")).toBe(false);
    expect(q.retries("k")).toBe(0);
    q.shutDown();
  });

  it("run: retries failures with backoff, forgets on success, never runs one key on two workers at once", async () => {
    const q = new WorkQueue({ baseDelayMs: 1, maxDelayMs: 5, maxRetries: 5 });
    const attempts = new Map<string, number>();
    const active = new Set<string>();
    let overlap = false;
    const finished = new Set<string>();
    const handler = async (key: string): Promise<"done" | "permanent"> => {
      if (active.has(key)) overlap = true;
      active.add(key);
      await new Promise((r) => setImmediate(r));
      active.delete(key);
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (key.startsWith("flaky") && n < 3) throw new Error("transient");
      if (key.startsWith("broken")) throw new Error("always");
      finished.add(key);
      if (key === "again" && n === 1) q.add("again"); // re-added while in flight
      return key.startsWith("bad") ? "permanent" : "done";
    };
    const running = q.run(3, handler, quiet);
    for (const key of ["ok", "flaky-1", "flaky-2", "bad", "broken", "again"]) q.add(key);
    const deadline = Date.now() + 5000;
    while ((attempts.get("broken") ?? 0) < 6 || finished.size < 5 || (attempts.get("again") ?? 0) < 2) {
      if (Date.now() > deadline) throw new Error(`queue did not settle: ${JSON.stringify([...attempts])}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    q.shutDown();
    await running;
    expect(overlap).toBe(false);
    expect(attempts.get("flaky-1")).toBe(3);
    expect(attempts.get("ok")).toBe(1);
    expect(attempts.get("bad")).toBe(1);
    expect(attempts.get("broken")).toBe(6); // first try + maxRetries
    expect(attempts.get("again")).toBe(2);
    expect(q.retries("flaky-1")).toBe(0);
  });

  it("shutDown releases waiting workers", async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add("late");
    expect(q.length).toBe(0);
  });
});
