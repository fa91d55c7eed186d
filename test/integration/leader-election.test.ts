// Two (then three) controller processes with leader election on one Lease: only the leader reconciles; a leader
// killed with SIGKILL is replaced once its lease expires; a leader stopped cleanly hands over at once.
import { randomBytes } from "node:crypto";
import { CoordinationV1Api } from "@kubernetes/client-node";
import type { V1Lease } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../control-plane/cluster.ts";
import { startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, createSealed, kube, publishedBundle, sealSecret, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";
import { ensureCrds, waitForUnsealedWith } from "./keys-support.js";

const LEASE = "kubectl-seal-controller";
const LEASE_SECONDS = 4;
let k: Kube;
let leases: CoordinationV1Api;
const controllerNs = uniqueName("seal-lead");
const appNs = uniqueName("seal-lead-app");
const values: string[] = [];
const processes = new Map<string, ControllerProcess>();

async function controller(name: string): Promise<ControllerProcess> {
  const proc = await startController({
    kubeconfig: cluster().kubeconfig,
    namespace: controllerNs,
    watchNamespaces: [appNs],
    name,
    env: { POD_NAME: name },
    args: ["--leader-elect", "true", "--lease-duration", `${LEASE_SECONDS}s`],
  });
  processes.set(name, proc);
  return proc;
}

function lease(): Promise<V1Lease> {
  return leases.readNamespacedLease({ name: LEASE, namespace: controllerNs });
}

function waitForHolder(accept: (holder: string) => boolean, what: string): Promise<V1Lease> {
  // The deadline is generous (twice the lease duration): a deadline, not a speed target.
  return waitFor(
    async () => {
      const l = await lease();
      return accept(l.spec?.holderIdentity ?? "") ? l : undefined;
    },
    { what, timeoutMs: 2 * LEASE_SECONDS * 1000 + 5_000 },
  );
}

function unsealedBy(proc: ControllerProcess, name: string): boolean {
  return proc.auditLines().some((l) => l.what === "Unsealed" && (l.object as { name?: string } | undefined)?.name === name);
}

async function sealAndWait(name: string): Promise<void> {
  const bundle = await publishedBundle(k, controllerNs);
  const token = `v-${randomBytes(12).toString("hex")}`;
  values.push(token);
  await createSealed(k, await sealSecret({ name, namespace: appNs, data: { token } }, bundle.keys));
  await waitForUnsealedWith(k, appNs, name);
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  leases = k.kc.makeApiClient(CoordinationV1Api);
  await ensureCrds(k);
  await createNamespace(k, controllerNs);
  await createNamespace(k, appNs);
});

afterAll(async () => {
  await stopAllControllers();
  assertNoneContain(Object.fromEntries([...processes].map(([name, p]) => [name, p.output()])), values);
});

describe("leader election", () => {
  it("lets only the leader reconcile; a SIGKILLed leader is replaced within the lease duration; a clean stop hands over", async () => {
    await Promise.all([controller("ctl-a"), controller("ctl-b")]);
    const first = await waitForHolder((h) => h === "ctl-a" || h === "ctl-b", "a leader");
    const leaderName = first.spec?.holderIdentity ?? "";
    const followerName = leaderName === "ctl-a" ? "ctl-b" : "ctl-a";
    const leader = processes.get(leaderName);
    const follower = processes.get(followerName);
    if (leader === undefined || follower === undefined) throw new Error("controllers missing");
    expect(first.spec?.leaseDurationSeconds).toBe(LEASE_SECONDS);

    await sealAndWait("one");
    expect(unsealedBy(leader, "one")).toBe(true);
    expect(unsealedBy(follower, "one")).toBe(false);
    expect(follower.lines().some((l) => l.msg === "became leader")).toBe(false);
    expect((await follower.http("/readyz")).status).toBe(200); // a standby is ready: it can take over

    await leader.kill();
    const second = await waitForHolder((h) => h === followerName, `${followerName} to take over`);
    expect(second.spec?.leaseTransitions).toBe((first.spec?.leaseTransitions ?? 0) + 1);
    await sealAndWait("two");
    expect(unsealedBy(follower, "two")).toBe(true);

    // A clean stop releases the lease, so the next replica does not wait for it to expire.
    const third = await controller("ctl-c");
    await third.waitForLog((l) => l.msg === "starting", "ctl-c starting");
    await follower.stop();
    expect(follower.exitCode).toBe(0);
    expect(follower.lines().some((l) => l.msg === "released leadership")).toBe(true);
    await waitForHolder((h) => h === "ctl-c", "ctl-c to take over after the clean stop");
    await sealAndWait("three");
    expect(unsealedBy(third, "three")).toBe(true);
  });
});
