// Reconciler.sync against a fake API server: the three outcomes. A resourceVersion conflict or API error is
// thrown (the queue retries it) without touching status; a resync of an up-to-date object writes nothing; an
// object deleted meanwhile is done. The Unsealed Event is written before the status that records the Secret's
// version; a Secret found up to date whose write the status does not record gets its audit record late.
import type { V1Secret } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { Audit } from "../../controller/audit.js";
import { cachedSecret } from "../../controller/cached-objects.js";
import { createLogger } from "../../controller/log.js";
import { createMetrics } from "../../controller/metrics.js";
import { Reconciler, desiredSecret } from "../../controller/reconcile.js";
import { generateKey, publicKeyOf, seal, unseal } from "../../src/index.js";
import type { PrivateKey, SealedSecret } from "../../src/index.js";
import { fakeApi } from "./fake-kube.js";
import type { FakeApi } from "./fake-kube.js";

let fake: FakeApi | undefined;
afterEach(() => fake?.close());

const VALUE = "sync-test-canary-value";

async function setup(respond: (method: string, path: string) => number, answer?: (method: string) => unknown) {
  const calls: string[] = [];
  const bodies: { call: string; body: string }[] = [];
  fake = await fakeApi((req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    calls.push(`${req.method} ${path}`);
    const code = respond(req.method ?? "", path);
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => bodies.push({ call: `${req.method} ${path}`, body }));
    const ok = answer?.(req.method ?? "") ?? { kind: "Secret", apiVersion: "v1", metadata: {} };
    res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(code < 300 ? ok : { kind: "Status", code, message: `status ${code}` }));
  });
  const key: PrivateKey = await generateKey("x25519");
  const sealed: SealedSecret = await seal({ name: "db", namespace: "app", data: { password: new TextEncoder().encode(VALUE) } }, [publicKeyOf(key)], { scope: "strict" });
  sealed.metadata = { ...sealed.metadata, uid: "uid-1", generation: 1 };
  const secrets = new Map<string, V1Secret>();
  const lines: string[] = [];
  const log = createLogger("debug", (l) => lines.push(l));
  const audit = new Audit({ kc: fake.kc, log, controllerName: "test", write: (l) => lines.push(l) });
  const keyReads = { count: 0 };
  const reconciler = new Reconciler({
    kc: fake.kc,
    log,
    audit,
    metrics: createMetrics({ defaultMetrics: false }),
    sealedSecrets: { get: (name, ns) => (`${ns}/${name}` === "app/db" ? sealed : undefined) },
    read: async (ns, name) => (`${ns}/${name}` === "app/db" ? sealed : undefined),
    secrets: {
      // As the informer caches them: values replaced by a digest.
      get: (name, ns) => {
        const s = secrets.get(`${ns}/${name}`);
        return s && cachedSecret(s);
      },
    },
    keys: () => {
      keyReads.count++;
      return [key];
    },
  });
  return { calls, bodies, sealed, secrets, lines, reconciler, key, audit, keyReads };
}

describe("Reconciler.sync", () => {
  it("throws on a resourceVersion conflict so the queue retries, and leaves status alone", async () => {
    const { calls, sealed, secrets, reconciler, lines } = await setup((method) => (method === "PUT" ? 409 : 200));
    secrets.set("app/db", { metadata: { name: "db", namespace: "app", resourceVersion: "1", ownerReferences: desiredSecret(sealed, { data: {} }).metadata?.ownerReferences }, data: { password: "b2xk" } });
    await expect(reconciler.sync("app/db")).rejects.toThrow("could not write Secret app/db: HTTP 409: status 409");
    expect(calls).toEqual(["PUT /api/v1/namespaces/app/secrets/db"]);
    expect(lines.join("\n")).not.toContain(VALUE);
  });

  it("writes nothing for an object that is already up to date, status included", async () => {
    const { calls, sealed, secrets, reconciler, key } = await setup(() => 200);
    const { secret, keyIds } = await unseal(sealed, [key]);
    secrets.set("app/db", { ...desiredSecret(sealed, secret), metadata: { ...desiredSecret(sealed, secret).metadata, resourceVersion: "7" } });
    const now = new Date().toISOString();
    const ok = "Secret app/db is up to date";
    sealed.status = {
      observedGeneration: 1,
      keyIds,
      secretResourceVersion: "7",
      conditions: [
        { type: "Ready", status: "True", reason: "Unsealed", message: ok, lastTransitionTime: now, observedGeneration: 1 },
        { type: "Synced", status: "True", reason: "Unsealed", message: ok, lastTransitionTime: now, observedGeneration: 1 },
      ],
    };
    await expect(reconciler.sync("app/db")).resolves.toBe("done");
    expect(calls).toEqual([]);
  });

  it("creates a missing Secret, writes its Event, then the status", async () => {
    const { calls, reconciler, lines } = await setup(() => 201);
    await expect(reconciler.sync("app/db")).resolves.toBe("done");
    expect(calls).toEqual([
      "POST /api/v1/namespaces/app/secrets",
      "POST /apis/events.k8s.io/v1/namespaces/app/events",
      "PATCH /apis/seal.dev/v1alpha1/namespaces/app/sealedsecrets/db/status",
    ]);
    expect(lines.map((l) => JSON.parse(l) as { what?: string }).filter((l) => l.what === "Unsealed")).toHaveLength(1);
    expect(lines.join("\n")).not.toContain(VALUE);
  });

  it("records late a write that is up to date but not recorded in the status (a crash came in between)", async () => {
    let written: V1Secret | undefined;
    // The fresh read (GET) confirms the cache: version 8 is there, and the status records 7.
    const { calls, sealed, secrets, reconciler, key, lines } = await setup(() => 200, (method) => (method === "GET" ? written : undefined));
    const { secret } = await unseal(sealed, [key]);
    written = { ...desiredSecret(sealed, secret), metadata: { ...desiredSecret(sealed, secret).metadata, resourceVersion: "8" } };
    secrets.set("app/db", written);
    sealed.status = { observedGeneration: 1, secretResourceVersion: "7", conditions: [] };
    await expect(reconciler.sync("app/db")).resolves.toBe("done");
    expect(calls).toEqual([
      "GET /api/v1/namespaces/app/secrets/db",
      "POST /apis/events.k8s.io/v1/namespaces/app/events",
      "PATCH /apis/seal.dev/v1alpha1/namespaces/app/sealedsecrets/db/status",
    ]);
    const audits = lines.map((l) => JSON.parse(l) as { what?: string; note?: string }).filter((l) => l.what === "Unsealed");
    expect(audits.map((a) => a.note)).toEqual(["Wrote Secret app/db (recorded late: the controller stopped between the write and its record)"]);
  });

  it("refuses an object over a limit as malformed with one Event, and does not open it again until it changes", async () => {
    const { calls, bodies, sealed, reconciler, keyReads } = await setup(() => 200);
    const fake = `-> X25519 ${"A".repeat(43)}\n${"A".repeat(43)}\n`;
    sealed.spec.encryptedData = { password: Buffer.from(`age-encryption.org/v1\n${fake.repeat(20_000)}--- AAAA\n`).toString("base64") };
    await expect(reconciler.sync("app/db")).resolves.toBe("permanent");
    const status = "PATCH /apis/seal.dev/v1alpha1/namespaces/app/sealedsecrets/db/status";
    // The Event before the status that makes the failure old news (a crash in between records it again).
    expect(calls).toEqual(["POST /apis/events.k8s.io/v1/namespaces/app/events", status]);
    // What the API server would now hold: the status the controller wrote.
    sealed.status = (JSON.parse(bodies.find((b) => b.call === status)?.body ?? "{}") as { status: SealedSecret["status"] }).status;
    expect(sealed.status?.conditions?.[0]?.message).toMatch(/^malformed: SealedSecret app\/db has \d+ bytes of spec.encryptedData, over the limit/);
    const reads = keyReads.count;
    // A resync, a key change or our own status write: nothing is opened, written or said again.
    await expect(reconciler.sync("app/db")).resolves.toBe("permanent");
    expect([calls.length, keyReads.count]).toEqual([2, reads]);
    // An edit (new generation) is looked at again.
    sealed.metadata.generation = 2;
    await expect(reconciler.sync("app/db")).resolves.toBe("permanent");
    expect(keyReads.count).toBe(reads + 1);
  });

  it("is done with an object that no longer exists", async () => {
    const { calls, reconciler } = await setup(() => 500);
    await expect(reconciler.sync("app/gone")).resolves.toBe("done");
    expect(calls).toEqual([]);
  });
});
