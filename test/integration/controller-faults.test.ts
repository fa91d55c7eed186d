// Faults on the real control plane, each ending with every SealedSecret unsealed with its own values, no key lost,
// one current key per type, and an audit line and an Event for every Secret: the controller killed (SIGKILL) between
// a Secret write and its audit record, between a rotation's key write and its record, during a cold start, during a
// key rotation and during a Reencrypt request;
// kube-apiserver restarted during a cold start (Events retried, none dropped); etcd restarted; a watch expired (410).
// Every controller here is the same candidate (POD_NAME), so a restart takes the Lease back at once.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_KILL_AFTER_KEY_WRITES, FAULT_KILL_AFTER_SECRET_WRITES } from "../../controller/controller.js";
import { cluster, restartApiServer, restartEtcd } from "../control-plane/cluster.ts";
import { startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess } from "./helpers/controller.js";
import { assertKeysSound, auditedNames, droppedEvents, sealMany, waitAllUnsealed, waitAuditComplete, waitSomeUnsealed } from "./helpers/faults.js";
import { assertNoneContain, createNamespace, getSecret, kube, publishedBundle, sealSecret, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";
import { annotation, createSealRequest, ensureCrds, keySecrets, sealRequestStatus, waitForPhase } from "./keys-support.js";

let k: Kube;
const controllerNs = uniqueName("seal-fault");
const values: string[] = [];
const procs: ControllerProcess[] = [];

function controller(appNs: string, env: Record<string, string> = {}): Promise<ControllerProcess> {
  return startController({ kubeconfig: cluster().kubeconfig, namespace: controllerNs, watchNamespaces: [appNs], name: `ctl-${procs.length}`, env: { POD_NAME: "faults-ctl", ...env } }).then(
    (p) => (procs.push(p), p),
  );
}

/** A fresh watched namespace with `count` SealedSecrets in it (created before any controller watches it). */
async function appWith(count: number): Promise<{ appNs: string; expected: Awaited<ReturnType<typeof sealMany>> }> {
  const appNs = uniqueName("seal-fault-app");
  await createNamespace(k, appNs);
  return { appNs, expected: await sealMany(k, appNs, await publishedBundle(k, controllerNs), count, values) };
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrds(k);
  await createNamespace(k, controllerNs);
  const first = await controller(uniqueName("none")); // creates the keys and the bundle
  await publishedBundle(k, controllerNs);
  await first.stop();
});

afterAll(async () => {
  await stopAllControllers();
  assertNoneContain(Object.fromEntries(procs.map((p) => [p.name, p.output()])), values);
});

describe("controller faults", () => {
  it("records a Secret write whose audit record a SIGKILL prevented, after the restart", async () => {
    const { appNs, expected } = await appWith(30);
    const keys = await assertKeysSound(k, controllerNs);
    const doomed = await controller(appNs, { [FAULT_KILL_AFTER_SECRET_WRITES]: "10" });
    expect(await doomed.exited).toBe(null); // killed by the signal, as a crash
    const unrecorded: string[] = [];
    for (const name of expected.keys()) if ((await getSecret(k, appNs, name)) !== undefined && !auditedNames([doomed]).has(name)) unrecorded.push(name);
    expect(unrecorded.length).toBeGreaterThan(0); // the hole: written, never recorded

    const next = await controller(appNs);
    await waitAllUnsealed(k, appNs, expected);
    await waitAuditComplete(k, appNs, expected, [doomed, next]);
    const late = next.auditLines().filter((l) => String(l.note).includes("recorded late")).map((l) => (l.object as { name: string }).name);
    expect(late).toEqual(expect.arrayContaining(unrecorded));
    await assertKeysSound(k, controllerNs, keys);
    await next.stop();
  });

  it("records the key a SIGKILL cut off between its write and its Event, before its rotation is answered", async () => {
    const appNs = uniqueName("seal-fault-none");
    const keys = await assertKeysSound(k, controllerNs);
    const doomed = await controller(appNs, { [FAULT_KILL_AFTER_KEY_WRITES]: "1" });
    await createSealRequest(k, controllerNs, "rotate-cut", { action: "Rotate" });
    expect(await doomed.exited).toBe(null); // killed right after the rotation's first key write
    const cut = (await keySecrets(k, controllerNs)).filter((s) => !keys.includes(annotation(s, "key-id")));
    expect(cut.map((s) => annotation(s, "key-id"))).toHaveLength(1);
    const cutUid = cut[0]?.metadata?.uid;

    const next = await controller(appNs);
    expect((await waitForPhase(k, controllerNs, "rotate-cut")).phase).toBe("Complete");
    // Already there when the request is answered: key Events are written before the step counts as done.
    const events = (await k.events.listNamespacedEvent({ namespace: controllerNs })).items;
    const late = events.filter((e) => e.reason === "KeyGenerated" && e.regarding?.uid === cutUid);
    expect(late.map((e) => e.note)).toEqual([expect.stringContaining("recorded late")]);
    const bundle = (await publishedBundle(k, controllerNs)).keys.map((key) => key.id);
    expect(events.filter((e) => e.reason === "KeyRotated" && bundle.every((id) => e.note?.includes(id)))).toHaveLength(1);
    for (const id of bundle) expect(events.filter((e) => e.reason === "KeyGenerated" && e.note?.includes(id))).toHaveLength(1);
    expect((await keySecrets(k, controllerNs)).filter((s) => s.metadata?.annotations?.["seal.dev/unrecorded"] !== undefined)).toEqual([]);
    await assertKeysSound(k, controllerNs, keys);
    await next.stop();
  });

  it("completes a cold start after a SIGKILL in the middle of it", async () => {
    const { appNs, expected } = await appWith(60);
    const first = await controller(appNs);
    await waitSomeUnsealed(k, appNs, expected, 15);
    await first.kill();
    const next = await controller(appNs);
    await waitAllUnsealed(k, appNs, expected);
    await waitAuditComplete(k, appNs, expected, [first, next]);
    await assertKeysSound(k, controllerNs);
    await next.stop();
  });

  it.each([
    ["kube-apiserver", restartApiServer],
    ["etcd", restartEtcd],
  ])("rides out a restart of %s during a cold start; Events are retried, none dropped", async (_, restart) => {
    const { appNs, expected } = await appWith(60);
    const proc = await controller(appNs);
    await waitSomeUnsealed(k, appNs, expected, 10);
    await restart();
    await waitAllUnsealed(k, appNs, expected);
    await waitAuditComplete(k, appNs, expected, [proc]);
    expect(await droppedEvents(proc)).toBe(0);
    await assertKeysSound(k, controllerNs);
    await proc.stop();
  });

  it("relists when its watch has expired (410 Gone) and misses nothing that changed meanwhile", async () => {
    const { appNs, expected } = await appWith(20);
    const proc = await controller(appNs);
    await waitAllUnsealed(k, appNs, expected);
    const lists = () => proc.lines().filter((l) => l.msg === "listed" && String(l.path).endsWith(`${appNs}/sealedsecrets`)).length;
    const listedBefore = lists();
    // The watch's resourceVersion falls behind the cluster's (other writes), and a restarted API server's watch
    // cache starts at the current one: resuming the watch from the old version is answered 410 Gone.
    for (let i = 0; i < 5; i++) await k.core.createNamespacedConfigMap({ namespace: appNs, body: { metadata: { name: `churn-${i}` } } });
    await restartApiServer();
    const more = await sealMany(k, appNs, await publishedBundle(k, controllerNs), 10, values, "late");
    await waitFor(() => lists() > listedBefore, { what: "the controller to relist after 410 Gone" });
    await waitAllUnsealed(k, appNs, new Map([...expected, ...more]));
    await proc.stop();
  });

  it("ends a key rotation killed half-way with no key lost and one current key per type", async () => {
    const { appNs, expected } = await appWith(20);
    const proc = await controller(appNs);
    await waitAllUnsealed(k, appNs, expected);
    const keys = await assertKeysSound(k, controllerNs);
    const generated = () => proc.lines().filter((l) => l.msg === "generated key").length;
    const before = generated();
    await createSealRequest(k, controllerNs, "rotate-killed", { action: "Rotate" });
    await waitFor(() => generated() > before, { what: "the first key of the rotation", intervalMs: 5 });
    await proc.kill();

    const next = await controller(appNs);
    await waitForPhase(k, controllerNs, "rotate-killed");
    const after = await assertKeysSound(k, controllerNs, keys);
    expect(after.length).toBeGreaterThan(keys.length);
    const fresh = await sealMany(k, appNs, await publishedBundle(k, controllerNs), 5, values, "rotated");
    await waitAllUnsealed(k, appNs, new Map([...expected, ...fresh]));
    await next.stop();
  });

  it("answers a Reencrypt request killed mid-way once restarted, with every object", async () => {
    const { appNs, expected } = await appWith(10);
    const stale = await publishedBundle(k, controllerNs);
    const tokens = [...Array(40).keys()].map(() => `v-${randomBytes(10).toString("hex")}`);
    values.push(...tokens);
    const objects = await Promise.all(tokens.map((token, i) => sealSecret({ name: `r-${i}`, namespace: appNs, data: { token } }, stale.keys)));
    const proc = await controller(appNs);
    await createSealRequest(k, controllerNs, "rotate-first", { action: "Rotate" });
    expect((await waitForPhase(k, controllerNs, "rotate-first")).phase).toBe("Complete");
    await createSealRequest(k, appNs, "reencrypt-killed", { action: "Reencrypt", objects });
    await proc.waitForLog((l) => l.msg === "SealRequest started", "the Reencrypt request to start");
    await proc.kill();
    const interrupted = await sealRequestStatus(k, appNs, "reencrypt-killed");

    const next = await controller(appNs);
    const status = await waitForPhase(k, appNs, "reencrypt-killed");
    expect(interrupted?.phase === undefined || interrupted.phase === status.phase).toBe(true);
    expect(status.phase).toBe("Complete");
    expect(status.results?.map((r) => r.ok)).toEqual(objects.map(() => true));
    expect(status.results?.every((r) => Object.keys(r.encryptedData ?? {}).length === 1)).toBe(true); // re-sealed
    await assertKeysSound(k, controllerNs);
    await waitAllUnsealed(k, appNs, expected);
    await next.stop();
  });
});
