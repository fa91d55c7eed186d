// The informer wrapper against a scripted fake API server: 410 Gone relists (and reports objects deleted
// meanwhile), other errors restart the watch from the last resourceVersion (no relist, nothing missed), and a
// failed first list is retried. Listed and watched Secrets are cached without values and managedFields. A list is
// read in pages (limit + continue) and the watch starts from the first page's resourceVersion.
import type { ServerResponse } from "node:http";
import type { KubeConfig, V1Secret } from "@kubernetes/client-node";
import { dataDigest } from "../../controller/cached-objects.js";
import type { CachedSecret } from "../../controller/cached-objects.js";
import { afterEach, describe, expect, it } from "vitest";
import { secretCache } from "../../controller/informer.js";
import type { ResourceCache } from "../../controller/informer.js";
import { createLogger } from "../../controller/log.js";
import { fakeApi } from "./fake-kube.js";
import type { FakeApi } from "./fake-kube.js";

type Step = (res: ServerResponse) => void;

const secret = (name: string, rv: string): V1Secret => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "x", resourceVersion: rv } });
const list = (rv: string, items: V1Secret[]): Step => (res) =>
  void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kind: "SecretList", apiVersion: "v1", metadata: { resourceVersion: rv }, items }));
const status = (code: number): Step => (res) => void res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Status", code }));
/** A watch stream that sends `events` and then ends, or stays open if `hold`. */
const watch = (events: object[], hold = false): Step => (res) => {
  res.writeHead(200, { "content-type": "application/json" });
  for (const e of events) res.write(JSON.stringify(e) + "\n");
  if (!hold) res.end();
};

interface Fake {
  requests: string[];
  /** The limit of each list request. */
  limits: string[];
  kc: KubeConfig;
}

let fakes: FakeApi[] = [];
let caches: ResourceCache<CachedSecret>[] = [];
afterEach(async () => {
  await Promise.all(caches.map((c) => c.stop()));
  for (const f of fakes) f.close();
  fakes = [];
  caches = [];
});

/** Serves list and watch requests from two scripts; a request past the end of a script hangs open. */
async function scriptedApi(lists: Step[], watches: Step[]): Promise<Fake> {
  const requests: string[] = [];
  const limits: string[] = [];
  const fake = await fakeApi((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const isWatch = url.searchParams.get("watch") === "true";
    const page = url.searchParams.has("continue") ? ` continue=${url.searchParams.get("continue")}` : "";
    requests.push(isWatch ? `watch rv=${url.searchParams.get("resourceVersion")}` : `list${page}`);
    if (!isWatch) limits.push(url.searchParams.get("limit") ?? "");
    const step = (isWatch ? watches : lists).shift();
    if (step) step(res);
    else res.writeHead(200, { "content-type": "application/json" }); // hang: a quiet watch
  });
  fakes.push(fake);
  return { requests, limits, kc: fake.kc };
}

function watchSecrets(fake: Fake): { cache: ResourceCache<CachedSecret>; seen: string[] } {
  const seen: string[] = [];
  const cache = secretCache(fake.kc, ["x"], (s, verb) => seen.push(`${verb} ${s.metadata?.name}`), createLogger("error", () => {}));
  caches.push(cache);
  return { cache, seen };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const page = (rv: string, items: V1Secret[], next?: string): Step => (res) =>
  void res
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify({ kind: "SecretList", apiVersion: "v1", metadata: { resourceVersion: rv, ...(next === undefined ? {} : { continue: next }) }, items }));

describe("informer", () => {
  it("reads the list in pages and watches from the snapshot's resourceVersion", async () => {
    const fake = await scriptedApi(
      [page("30", [secret("a", "5")], "t1"), page("30", [secret("b", "6")], "t2"), page("30", [secret("c", "7")])],
      [watch([{ type: "BOOKMARK", object: secret("", "30") }], true)],
    );
    const { cache, seen } = watchSecrets(fake);
    await cache.start();
    await until("watch", () => fake.requests.length >= 4);
    expect(fake.requests).toEqual(["list", "list continue=t1", "list continue=t2", "watch rv=30"]);
    expect(fake.limits).toEqual(["500", "500", "500"]);
    expect(cache.list().map((s) => s.metadata?.name)).toEqual(["a", "b", "c"]);
    expect(seen).toEqual(["add a", "add b", "add c"]);
  });

  it("relists after 410 Gone and reports what was deleted meanwhile", async () => {
    const fake = await scriptedApi(
      [list("10", [secret("a", "5")]), list("20", [secret("b", "11"), secret("c", "12")])],
      [watch([{ type: "ADDED", object: secret("b", "11") }, { type: "ERROR", object: { kind: "Status", code: 410 } }])],
    );
    const { cache, seen } = watchSecrets(fake);
    await cache.start();
    await until("relist", () => fake.requests.length >= 4);
    expect(fake.requests.slice(0, 4)).toEqual(["list", "watch rv=10", "list", "watch rv=20"]);
    await until("events", () => seen.length >= 4);
    expect(seen).toEqual(["add a", "add b", "delete a", "add c"]);
    expect(cache.list().map((s) => s.metadata?.name).sort()).toEqual(["b", "c"]);
    expect(cache.synced()).toBe(true);
  });

  it("restarts a failed watch from the last resourceVersion it saw, without relisting", async () => {
    const fake = await scriptedApi([list("10", [secret("a", "5")])], [watch([{ type: "ADDED", object: secret("b", "11") }], false), status(500), watch([{ type: "MODIFIED", object: secret("a", "13") }], true)]);
    const { cache, seen } = watchSecrets(fake);
    await cache.start();
    await until("third watch", () => fake.requests.length >= 4);
    // The first watch ended cleanly (resume at once), the second failed with 500 (restart after a backoff).
    expect(fake.requests.slice(0, 4)).toEqual(["list", "watch rv=10", "watch rv=11", "watch rv=11"]);
    await until("update", () => seen.includes("update a"));
    expect(cache.get("a", "x")?.metadata?.resourceVersion).toBe("13");
    expect(fake.requests.filter((r) => r === "list")).toHaveLength(1);
  });

  it("retries a first list that failed, and only then reports itself synced", async () => {
    const fake = await scriptedApi([status(503), list("7", [secret("a", "7")])], []);
    const { cache, seen } = watchSecrets(fake);
    await cache.start();
    expect(cache.synced()).toBe(false);
    await until("synced", () => cache.synced());
    await until("add", () => seen.includes("add a"));
    // The watch starts after the list is delivered, so its request may reach the server a moment later.
    await until("watch", () => fake.requests.length >= 3);
    expect(fake.requests.slice(0, 3)).toEqual(["list", "list", "watch rv=7"]);
  });

  it("caches Secrets from lists and watch events without their values or managedFields", async () => {
    const VALUE = Buffer.from("informer-canary-value").toString("base64");
    const full = (name: string, rv: string, value: string): V1Secret => ({
      ...secret(name, rv),
      metadata: { ...secret(name, rv).metadata, managedFields: [{ manager: "kubectl", operation: "Update" }] },
      data: { password: value },
    });
    const edited = Buffer.from("edited").toString("base64");
    const fake = await scriptedApi([list("10", [full("a", "5", VALUE)])], [watch([{ type: "ADDED", object: full("b", "11", VALUE) }, { type: "MODIFIED", object: full("a", "12", edited) }], true)]);
    const seenObjects: CachedSecret[] = [];
    const cache = secretCache(fake.kc, ["x"], (s) => seenObjects.push(s), createLogger("error", () => {}));
    caches.push(cache);
    await cache.start();
    await until("watch events", () => seenObjects.length >= 3);
    expect(cache.get("a", "x")?.dataDigest).toBe(dataDigest({ password: edited }));
    expect(cache.get("b", "x")?.dataDigest).toBe(dataDigest({ password: VALUE }));
    for (const s of [...cache.list(), ...seenObjects]) {
      expect(s).not.toHaveProperty("data");
      expect(s.metadata).not.toHaveProperty("managedFields");
      expect(JSON.stringify(s)).not.toContain(VALUE);
    }
  });
});
