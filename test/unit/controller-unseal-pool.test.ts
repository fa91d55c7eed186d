// The unseal pool's turn order and failure handling, with a stand-in thread that echoes each value back: values of
// a namespace flooding the pool do not hold up another namespace's value, whatever the backlog; a thread that dies
// fails only its own value, as retryable, and is replaced. (The real thread's opening is covered by the
// controller's integration tests, which run the built controller.)
import { afterEach, describe, expect, it } from "vitest";
import { FairLanes } from "../../controller/fair-lanes.js";
import { createLogger } from "../../controller/log.js";
import { UnsealPool } from "../../controller/unseal-pool.js";
import { OpenerUnavailableError, UnsealError, generateKey, seal, unseal } from "../../src/index.js";
import type { PrivateKey } from "../../src/index.js";

const quiet = createLogger("error", () => {});
// Echoes the value as its plaintext; a value starting with 0xff makes the thread exit, as a crash would.
const ECHO = new URL(
  "data:text/javascript," +
    encodeURIComponent(`
import { parentPort } from "node:worker_threads";
parentPort.on("message", (t) => {
  if (t.file[0] === 0xff) process.exit(3);
  const plaintext = t.file.slice();
  parentPort.postMessage({ id: t.id, plaintext, keyId: t.keys[0]?.id ?? "none" }, [plaintext.buffer]);
});`),
);
const KEY = { id: "k1", type: "x25519", recipient: "r", identity: "i" } as unknown as PrivateKey;
const pools: UnsealPool[] = [];

function pool(threads: number): UnsealPool {
  const p = new UnsealPool(threads, quiet, ECHO);
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe("FairLanes", () => {
  it("serves lanes in turn, each in its own order", () => {
    const lanes = new FairLanes<string>();
    for (let i = 0; i < 5; i++) lanes.push("flood", `f${i}`);
    lanes.push("good", "g0");
    lanes.push("good", "g1");
    lanes.push("other", "o0");
    const order = Array.from({ length: lanes.length }, () => lanes.shift());
    expect(order).toEqual(["f0", "g0", "o0", "f1", "g1", "f2", "f3", "f4"]);
    expect(lanes.shift()).toBeUndefined();
    expect(lanes.length).toBe(0);
  });
});

describe("UnsealPool", () => {
  it("opens another namespace's value after at most one flooding value per thread, not after the backlog", async () => {
    const p = pool(1);
    const finished: string[] = [];
    const open = (namespace: string, label: string): Promise<void> =>
      p.opener(namespace)(new TextEncoder().encode(label), [KEY]).then((opened) => {
        expect(new TextDecoder().decode(opened?.plaintext)).toBe(label);
        finished.push(label);
      });
    const all = Array.from({ length: 50 }, (_, i) => open("flood", `poison-${i}`));
    all.push(open("good", "good"));
    await Promise.all(all);
    // poison-0 was on the thread, poison-1 had the next turn; then it was the good namespace's turn.
    expect(finished.indexOf("good")).toBe(2);
    expect(finished.filter((l) => l.startsWith("poison-"))).toEqual(Array.from({ length: 50 }, (_, i) => `poison-${i}`));
  });

  it("fails a value whose thread died as retryable (not as a bad value) and goes on with a new thread", async () => {
    const p = pool(1);
    const open = p.opener("ns");
    const dying = open(new Uint8Array([0xff, 1]), [KEY]);
    const next = open(new TextEncoder().encode("after"), [KEY]);
    await expect(dying).rejects.toBeInstanceOf(OpenerUnavailableError);
    expect((await next)?.keyId).toBe("k1");
  });

  it("makes unseal throw the thread's failure as is, so the controller retries instead of calling the object tampered", async () => {
    const key = await generateKey("x25519");
    const sealed = await seal({ name: "db", namespace: "ns", data: { a: new TextEncoder().encode("x") } }, [key], { scope: "strict" });
    const crash = (): Promise<never> => Promise.reject(new OpenerUnavailableError("the unseal thread stopped (exit code 3)"));
    const failure = await unseal(sealed, [key], { openValue: crash }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(OpenerUnavailableError);
    expect(failure).not.toBeInstanceOf(UnsealError);
    const bad = await unseal(sealed, [key], { openValue: () => Promise.reject(new Error("invalid header HMAC")) }).catch((err: unknown) => err);
    expect(bad).toMatchObject({ reason: "tampered" });
  });

  it("refuses values once closed, as retryable", async () => {
    const p = pool(2);
    await p.close();
    await expect(p.opener("ns")(new Uint8Array([1]), [KEY])).rejects.toBeInstanceOf(OpenerUnavailableError);
  });
});
