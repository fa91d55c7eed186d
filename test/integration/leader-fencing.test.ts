// Leadership at its edges, with real controller processes: a leader paused (SIGSTOP) past its lease writes nothing
// once resumed, not even before it notices the loss; a controller restarted after SIGKILL is the same candidate
// (the Pod name, else the host name) and takes its Lease back at once; SIGTERM finishes the work under way and
// writes its Events before releasing the Lease, well within a Pod's grace period.
import { CoordinationV1Api, V1MicroTime } from "@kubernetes/client-node";
import type { V1Lease } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../control-plane/cluster.ts";
import { startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess, StartControllerOptions } from "./helpers/controller.js";
import { auditedNames, eventNames, sealMany, waitAllUnsealed, waitAuditComplete, waitSomeUnsealed } from "./helpers/faults.js";
import { assertNoneContain, createNamespace, kube, publishedBundle, sealSecret, uniqueName, updateSealedSpec } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";
import { ensureCrds } from "./keys-support.js";

const LEASE = "kubectl-seal-controller";
let k: Kube;
let leases: CoordinationV1Api;
const values: string[] = [];
const procs: ControllerProcess[] = [];

async function controller(o: Omit<StartControllerOptions, "kubeconfig">): Promise<ControllerProcess> {
  const proc = await startController({ kubeconfig: cluster().kubeconfig, name: `ctl-${procs.length}`, ...o });
  procs.push(proc);
  return proc;
}

/** A controller namespace with keys, and a watched namespace. */
async function namespaces(prefix: string): Promise<{ controllerNs: string; appNs: string }> {
  const controllerNs = uniqueName(prefix);
  const appNs = uniqueName(`${prefix}-app`);
  await createNamespace(k, controllerNs);
  await createNamespace(k, appNs);
  return { controllerNs, appNs };
}

function lease(namespace: string): Promise<V1Lease> {
  return leases.readNamespacedLease({ name: LEASE, namespace });
}

function waitForHolder(namespace: string, accept: (holder: string) => boolean, what: string): Promise<V1Lease> {
  return waitFor(
    async () => {
      const l = await lease(namespace);
      return accept(l.spec?.holderIdentity ?? "") ? l : undefined;
    },
    { what },
  );
}

/** resourceVersion of every Secret and SealedSecret in `namespace`, by kind and name. */
async function versions(namespace: string): Promise<Record<string, string>> {
  const secrets = await k.core.listNamespacedSecret({ namespace });
  const sealed = (await k.custom.listNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace, plural: "sealedsecrets" })) as {
    items: { metadata: { name: string; resourceVersion: string } }[];
  };
  return Object.fromEntries([
    ...secrets.items.map((s) => [`Secret/${s.metadata?.name}`, s.metadata?.resourceVersion ?? ""]),
    ...sealed.items.map((s) => [`SealedSecret/${s.metadata.name}`, s.metadata.resourceVersion]),
  ]);
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  leases = k.kc.makeApiClient(CoordinationV1Api);
  await ensureCrds(k);
});

afterAll(async () => {
  for (const p of procs) if (p.exitCode === undefined) p.child.kill("SIGCONT");
  await stopAllControllers();
  assertNoneContain(Object.fromEntries(procs.map((p) => [p.name, p.output()])), values);
});

describe("leader fencing and restarts", () => {
  it("a leader paused past its lease writes nothing after it resumes", async () => {
    const { controllerNs, appNs } = await namespaces("seal-fence");
    const opts = (name: string) => ({ namespace: controllerNs, watchNamespaces: [appNs], env: { POD_NAME: name }, args: ["--lease-duration", "4s"] });
    const replicas = new Map([["fence-a", await controller(opts("fence-a"))], ["fence-b", await controller(opts("fence-b"))]]);
    const holder = (await waitForHolder(controllerNs, (h) => replicas.has(h), "a leader")).spec?.holderIdentity ?? "";
    const followerName = holder === "fence-a" ? "fence-b" : "fence-a";
    const leader = replicas.get(holder);
    const follower = replicas.get(followerName);
    if (leader === undefined || follower === undefined) throw new Error("replicas missing");
    await leader.waitForLog((l) => l.msg === "caches synced, reconciling", "the leader reconciling");
    const bundle = await publishedBundle(k, controllerNs);

    leader.child.kill("SIGSTOP");
    const first = await sealMany(k, appNs, bundle, 20, values);
    await waitForHolder(controllerNs, (h) => h === followerName, "the follower to take over");
    await waitAllUnsealed(k, appNs, first);
    // Nobody leads from here on: the follower dies and the Lease is held elsewhere for an hour. Every
    // SealedSecret then changes, so a resumed leader that still believed in itself would have work to do.
    await follower.kill();
    const current = await lease(controllerNs);
    await leases.replaceNamespacedLease({
      name: LEASE,
      namespace: controllerNs,
      body: { ...current, spec: { ...current.spec, holderIdentity: "maintenance", leaseDurationSeconds: 3600, renewTime: new V1MicroTime() } },
    });
    const second = new Map<string, Record<string, string>>();
    for (const name of first.keys()) {
      const data = { token: `v-${name}-${Math.random().toString(36).slice(2)}` };
      values.push(data.token);
      second.set(name, data);
      await updateSealedSpec(k, appNs, name, (await sealSecret({ name, namespace: appNs, data }, bundle.keys)).spec);
    }
    const before = await versions(appNs);
    const auditedBefore = leader.auditLines().length;

    leader.child.kill("SIGCONT");
    await leader.waitForLog((l) => l.msg === "lost leadership", "the resumed leader to notice");
    await leader.waitForLog((l) => l.msg === "leader term ended; campaigning again", "its term to end");
    expect(leader.auditLines().slice(auditedBefore)).toEqual([]);
    expect(await versions(appNs)).toEqual(before); // no Secret and no status written
    expect([...(await eventNames(k, appNs))].filter((n) => !first.has(n))).toEqual([]);

    // Hand the Lease back: the old leader campaigns, wins and brings every Secret up to date.
    await leases.deleteNamespacedLease({ name: LEASE, namespace: controllerNs });
    await waitAllUnsealed(k, appNs, second);
  });

  it("a controller restarted after SIGKILL takes its own Lease back at once (identity = host name without POD_NAME)", async () => {
    const { controllerNs, appNs } = await namespaces("seal-ident");
    const opts = { namespace: controllerNs, watchNamespaces: [appNs], args: ["--lease-duration", "60s"] };
    const first = await controller(opts);
    await first.waitForLog((l) => l.msg === "caches synced, reconciling", "the first leader reconciling");
    const held = await lease(controllerNs);
    await first.kill();
    const restarted = await controller(opts);
    const became = await restarted.waitForLog((l) => l.msg === "became leader", "the restarted controller to lead");
    const after = await lease(controllerNs);
    expect(after.spec?.holderIdentity).toBe(held.spec?.holderIdentity);
    expect(after.spec?.leaseTransitions).toBe(held.spec?.leaseTransitions); // the same holder: not a transition
    // At once: well before the killed process's 60 s lease would have expired.
    expect(Date.parse(String(became.time))).toBeLessThan(new Date(String(held.spec?.renewTime)).getTime() + 60_000);
  });

  it("SIGTERM finishes the syncs under way and writes their Events, then releases the Lease, then exits 0", async () => {
    const { controllerNs, appNs } = await namespaces("seal-term");
    const opts = { namespace: controllerNs, watchNamespaces: [appNs], env: { POD_NAME: "term-a" } };
    const keysFirst = await controller(opts);
    const bundle = await publishedBundle(k, controllerNs);
    await keysFirst.stop();
    const expected = await sealMany(k, appNs, bundle, 60, values);
    const proc = await controller(opts);
    await waitSomeUnsealed(k, appNs, expected, 10);
    await proc.stop(30_000); // a Pod's default grace period; SIGKILL after it
    expect(proc.exitCode).toBe(0);
    expect((await lease(controllerNs)).spec?.holderIdentity).toBe("");
    const lines = proc.lines();
    const released = lines.findIndex((l) => l.msg === "released leadership");
    expect(released).toBeGreaterThan(-1);
    expect(lines.slice(released).filter((l) => l.audit === true)).toEqual([]);
    const events = await eventNames(k, appNs);
    expect([...auditedNames([proc])].filter((n) => !events.has(n))).toEqual([]);

    const next = await controller({ ...opts, env: { POD_NAME: "term-b" } });
    await waitAllUnsealed(k, appNs, expected);
    await waitAuditComplete(k, appNs, expected, [proc, next]);
  });
});
