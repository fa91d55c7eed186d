// The controller as a real process on the real control plane: SealedSecrets become owned Secrets; bad input,
// conflicts, deletions, hand edits, updates and an API server restart all end where they should; no value leaks.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey, publicKeyOf } from "../../src/index.js";
import type { KeyType, PublicKey, SealedSecret } from "../../src/index.js";
import { cluster, restartApiServer } from "../control-plane/cluster.ts";
import { repoRoot, startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess } from "./helpers/controller.js";
import {
  assertNoneContain,
  createNamespace,
  createSealed,
  decodedData,
  deleteSealed,
  ensureCrd,
  eventsAbout,
  getSealed,
  getSecret,
  kube,
  publishedBundle,
  sealSecret,
  uniqueName,
  updateSealedSpec,
  waitForEvent,
} from "./helpers/kube.js";
import type { Kube, TestSecret } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";

let k: Kube;
let controller: ControllerProcess;
let keys: PublicKey[];
const controllerNs = uniqueName("seal-ctl");
const ns = uniqueName("seal-app");
// Every secret value used here: none may ever show up in output, Events or status.
const values: string[] = [];

function value(): string {
  const v = `v-${randomBytes(12).toString("hex")}`;
  values.push(v);
  return v;
}

async function sealAndApply(s: TestSecret, type?: KeyType): Promise<SealedSecret> {
  return createSealed(k, await sealSecret(s, keys, { type }));
}

function waitForSecret(name: string, ok: (data: Record<string, string>) => boolean, what: string) {
  return waitFor(
    async () => {
      const s = await getSecret(k, ns, name);
      return s && ok(decodedData(s)) ? s : undefined;
    },
    { what },
  );
}

async function waitForReady(name: string, status: "True" | "False", reason: string) {
  return waitFor(
    async () => {
      const ss = await getSealed(k, ns, name);
      const ready = ss?.status?.conditions?.find((c) => c.type === "Ready");
      return ready?.status === status && ready.reason === reason && ss?.status?.observedGeneration === ss?.metadata.generation ? ss : undefined;
    },
    { what: `SealedSecret ${ns}/${name} Ready=${status} (${reason})` },
  );
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrd(k, readFileSync(join(repoRoot, "manifests/crd.yaml"), "utf8"));
  await createNamespace(k, controllerNs);
  await createNamespace(k, ns);
  controller = await startController({ kubeconfig: cluster().kubeconfig, namespace: controllerNs, watchNamespaces: [ns] });
  keys = (await publishedBundle(k, controllerNs)).keys;
});

afterAll(async () => {
  await stopAllControllers();
});

describe("controller reconcile", () => {
  it("unseals a SealedSecret into an owned Secret with its data, labels and type", async () => {
    const data = { username: value(), password: value() };
    const sealed = await sealAndApply(
      { name: "db", namespace: ns, data, labels: { app: "db" }, type: "kubernetes.io/basic-auth" },
      "mlkem768x25519",
    );
    const secret = await waitForSecret("db", (d) => d.password === data.password, "Secret db");
    expect(decodedData(secret)).toEqual(data);
    expect(secret.type).toBe("kubernetes.io/basic-auth");
    expect(secret.metadata?.labels).toEqual({ app: "db" });
    const live = await getSealed(k, ns, "db");
    expect(secret.metadata?.ownerReferences).toEqual([
      { apiVersion: "seal.dev/v1alpha1", kind: "SealedSecret", name: "db", uid: live?.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    const ready = await waitForReady("db", "True", "Unsealed");
    expect(ready.status?.keyIds?.length).toBeGreaterThan(0);
    for (const id of ready.status?.keyIds ?? []) expect(keys.map((key) => key.id)).toContain(id);
    const event = await waitForEvent(k, ns, "db", "Unsealed");
    expect(event.type).toBe("Normal");
    expect(event.reportingController).toBe("seal.dev/controller");
    expect(event.regarding).toMatchObject({ kind: "SealedSecret", name: "db", uid: live?.metadata.uid });
    const audit = await controller.waitForLog((l) => l.audit === true && l.what === "Unsealed", "Unsealed audit line");
    expect(audit).toMatchObject({ dataKeys: ["password", "username"], object: { namespace: ns, name: "db" } });
    expect(audit.keyIds).toEqual(ready.status?.keyIds);
    expect(sealed.spec.sealedTo?.password).toEqual([keys.find((key) => key.type === "mlkem768x25519")?.id]);
  });

  it("refuses a tampered ciphertext: UnsealFailed Event and condition, no Secret", async () => {
    const sealed = await sealSecret({ name: "tampered", namespace: ns, data: { token: value() } }, keys);
    const bytes = Buffer.from(sealed.spec.encryptedData.token ?? "", "base64");
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0x01; // inside the encrypted payload
    sealed.spec.encryptedData.token = bytes.toString("base64");
    await createSealed(k, sealed);
    const event = await waitForEvent(k, ns, "tampered", "UnsealFailed");
    expect(event.type).toBe("Warning");
    expect(event.note).toContain("tampered");
    const status = await waitForReady("tampered", "False", "UnsealFailed");
    expect(status.status?.conditions?.find((c) => c.type === "Ready")?.message).toContain("tampered");
    expect(await getSecret(k, ns, "tampered")).toBeUndefined();
    const audit = await controller.waitForLog((l) => l.audit === true && l.what === "UnsealFailed", "UnsealFailed audit line");
    expect(audit).toMatchObject({ type: "Warning", dataKeys: ["token"], object: { kind: "SealedSecret", namespace: ns, name: "tampered" } });
  });

  it("refuses a ciphertext moved to another SealedSecret: wrong scope, no Secret", async () => {
    const original = await sealSecret({ name: "original", namespace: ns, data: { token: value() } }, keys);
    await createSealed(k, { ...original, metadata: { name: "moved", namespace: ns } });
    const event = await waitForEvent(k, ns, "moved", "UnsealFailed");
    expect(event.note).toContain("wrong-scope");
    await waitForReady("moved", "False", "UnsealFailed");
    expect(await getSecret(k, ns, "moved")).toBeUndefined();
  });

  it("refuses a SealedSecret sealed to a key it does not hold: unknown key, no Secret, others unaffected", async () => {
    const foreign = publicKeyOf(await generateKey("x25519"));
    await createSealed(k, await sealSecret({ name: "foreign", namespace: ns, data: { token: value() } }, [foreign]));
    const good = { token: value() };
    await sealAndApply({ name: "neighbour", namespace: ns, data: good });
    const event = await waitForEvent(k, ns, "foreign", "UnsealFailed");
    expect(event.note).toContain("unknown-key");
    await waitForReady("foreign", "False", "UnsealFailed");
    expect(await getSecret(k, ns, "foreign")).toBeUndefined();
    await waitForSecret("neighbour", (d) => d.token === good.token, "Secret neighbour next to a bad one");
  });

  it("never overwrites a Secret it does not own, until it is annotated to be taken over", async () => {
    const mine = value();
    await k.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "taken" }, stringData: { token: mine } } });
    const sealedValue = value();
    await sealAndApply({ name: "taken", namespace: ns, data: { token: sealedValue } });
    const event = await waitForEvent(k, ns, "taken", "SecretConflict");
    expect(event.note).toContain("seal.dev/managed=true");
    await waitForReady("taken", "False", "SecretConflict");
    const untouched = await getSecret(k, ns, "taken");
    expect(decodedData(untouched ?? {})).toEqual({ token: mine });
    expect(untouched?.metadata?.ownerReferences).toBeUndefined();

    await k.core.replaceNamespacedSecret({
      namespace: ns,
      name: "taken",
      body: { ...untouched, metadata: { ...untouched?.metadata, annotations: { "seal.dev/managed": "true" } } },
    });
    const adopted = await waitForSecret("taken", (d) => d.token === sealedValue, "Secret taken over");
    expect(adopted.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "SealedSecret", name: "taken", controller: true });
    await waitForReady("taken", "True", "Unsealed");
  });

  it("recreates a deleted Secret and puts back a hand-edited one", async () => {
    const data = { api: value() };
    await sealAndApply({ name: "restore", namespace: ns, data, labels: { tier: "backend" } });
    const first = await waitForSecret("restore", (d) => d.api === data.api, "Secret restore");
    await k.core.deleteNamespacedSecret({ namespace: ns, name: "restore" });
    const second = await waitForSecret("restore", (d) => d.api === data.api, "Secret restore recreated");
    expect(second.metadata?.uid).not.toBe(first.metadata?.uid);

    const edited = value();
    await k.core.replaceNamespacedSecret({
      namespace: ns,
      name: "restore",
      body: { ...second, metadata: { ...second.metadata, labels: { tier: "hacked" } }, data: { api: Buffer.from(edited).toString("base64") } },
    });
    const restored = await waitFor(
      async () => {
        const s = await getSecret(k, ns, "restore");
        if (s?.metadata?.uid !== second.metadata?.uid) return undefined; // put back in place, not recreated
        return s && decodedData(s).api === data.api && s.metadata?.labels?.tier === "backend" ? s : undefined;
      },
      { what: "hand-edited Secret put back" },
    );
    expect(decodedData(restored)).toEqual(data);
  });

  it("re-unseals when the SealedSecret changes", async () => {
    await sealAndApply({ name: "rotating", namespace: ns, data: { key: value() } });
    await waitForReady("rotating", "True", "Unsealed");
    const next = { key: value(), extra: value() };
    const resealed = await sealSecret({ name: "rotating", namespace: ns, data: next, labels: { v: "2" } }, keys);
    await updateSealedSpec(k, ns, "rotating", resealed.spec);
    const secret = await waitForSecret("rotating", (d) => d.key === next.key, "Secret rotating updated");
    expect(decodedData(secret)).toEqual(next);
    expect(secret.metadata?.labels).toEqual({ v: "2" });
    const ready = await waitForReady("rotating", "True", "Unsealed");
    expect(ready.metadata.generation).toBe(2);
  });

  it("replaces a Secret that cannot change in place (immutable, or a new type)", async () => {
    const sealed = await sealSecret({ name: "frozen", namespace: ns, data: { k: value() } }, keys);
    await createSealed(k, { ...sealed, spec: { ...sealed.spec, template: { immutable: true } } });
    const first = await waitForSecret("frozen", () => true, "immutable Secret frozen");
    expect(first.immutable).toBe(true);
    const next = { k: value() };
    const resealed = await sealSecret({ name: "frozen", namespace: ns, data: next, type: "example.com/token" }, keys);
    await updateSealedSpec(k, ns, "frozen", resealed.spec);
    const second = await waitForSecret("frozen", (d) => d.k === next.k, "Secret frozen replaced");
    expect(second.metadata?.uid).not.toBe(first.metadata?.uid);
    expect(second.type).toBe("example.com/token");
    expect(second.immutable).toBeUndefined();
  });

  it("lets the garbage collector delete the Secret with its SealedSecret", async () => {
    await sealAndApply({ name: "doomed", namespace: ns, data: { k: value() } });
    await waitForSecret("doomed", () => true, "Secret doomed");
    await deleteSealed(k, ns, "doomed");
    await waitFor(async () => (await getSecret(k, ns, "doomed")) === undefined, { what: "Secret doomed deleted by GC" });
  });

  it("converges after the API server restarts", async () => {
    const before = { v: value() };
    await sealAndApply({ name: "before-restart", namespace: ns, data: before });
    await waitForReady("before-restart", "True", "Unsealed");
    await restartApiServer();
    // Changes made right after the restart must all be seen: a new object, an update, a deleted Secret.
    const created = { v: value() };
    await waitFor(async () => !!(await sealAndApply({ name: "after-restart", namespace: ns, data: created })), { what: "create after restart" });
    const updated = { v: value() };
    await updateSealedSpec(k, ns, "before-restart", (await sealSecret({ name: "before-restart", namespace: ns, data: updated }, keys)).spec);
    await k.core.deleteNamespacedSecret({ namespace: ns, name: "db" });
    await waitForSecret("after-restart", (d) => d.v === created.v, "Secret after-restart");
    await waitForSecret("before-restart", (d) => d.v === updated.v, "Secret before-restart updated");
    await waitForSecret("db", () => true, "Secret db recreated");
    expect((await controller.http("/readyz")).status).toBe(200);
  });

  it("serves health, readiness and metrics", async () => {
    expect(await controller.http("/healthz")).toMatchObject({ status: 200 });
    expect(await controller.http("/readyz")).toMatchObject({ status: 200 });
    const metrics = (await controller.http("/metrics")).body;
    expect(metrics).toMatch(/seal_unseal_total\{outcome="success"\} [1-9]/);
    expect(metrics).toMatch(/seal_unseal_total\{outcome="tampered"\} [1-9]/);
    expect(metrics).toMatch(/seal_unseal_total\{outcome="wrong-scope"\} [1-9]/);
    expect(metrics).toMatch(/seal_unseal_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/seal_keys [1-9]/);
    expect(metrics).toMatch(/seal_reconcile_queue_depth \d/);
  });

  it("does not repeat Events for objects that did not change", async () => {
    // db was created once, then recreated once after its Secret was deleted: one Event whose series counts two.
    const unsealed = (await eventsAbout(k, ns, "db")).filter((e) => e.reason === "Unsealed");
    expect(unsealed.length).toBe(1);
    expect(unsealed[0]?.series?.count).toBe(2);
    const failed = (await eventsAbout(k, ns, "tampered")).filter((e) => e.reason === "UnsealFailed");
    expect(failed.length).toBe(1);
    expect(failed[0]?.series).toBeUndefined();
  });

  it("never writes a secret value to its output, Events or status", async () => {
    const events = await k.events.listNamespacedEvent({ namespace: ns });
    const sealed = await k.custom.listNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace: ns, plural: "sealedsecrets" });
    const statuses = (sealed as { items: SealedSecret[] }).items.map((s) => s.status);
    expect(values.length).toBeGreaterThan(10);
    assertNoneContain(
      { "controller output": controller.output(), Events: JSON.stringify(events), "SealedSecret status": JSON.stringify(statuses) },
      values,
    );
    expect(controller.lines().filter((l) => l.invalid)).toEqual([]);
  });
});
