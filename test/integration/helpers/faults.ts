// Shared by the fault tests (controller-faults, leader-fencing, controller-memory): many SealedSecrets with known
// values, and the end state every fault must leave: every SealedSecret unsealed into a Secret with exactly its
// values, no key lost, one current key per type, every Secret write with its audit line and Event.
import { randomBytes } from "node:crypto";
import type { KeyBundle } from "../../../src/index.js";
import { annotation, keySecrets } from "../keys-support.js";
import type { ControllerProcess } from "./controller.js";
import { createSealed, decodedData, sealSecret } from "./kube.js";
import type { Kube } from "./kube.js";
import { waitFor } from "./wait.js";

/** name -> the values its Secret must hold. */
export type Expected = Map<string, Record<string, string>>;

/** Seals and creates `count` SealedSecrets `${prefix}-${i}` in `namespace`; every value is also pushed to `values`. */
export async function sealMany(k: Kube, namespace: string, bundle: KeyBundle, count: number, values: string[], prefix = "s"): Promise<Expected> {
  const expected: Expected = new Map();
  const sealed = [];
  for (let i = 0; i < count; i++) {
    const data = { token: `v-${randomBytes(10).toString("hex")}` };
    values.push(data.token);
    expected.set(`${prefix}-${i}`, data);
    sealed.push(await sealSecret({ name: `${prefix}-${i}`, namespace, data }, bundle.keys));
  }
  for (let i = 0; i < sealed.length; i += 10) await Promise.all(sealed.slice(i, i + 10).map((s) => createSealed(k, s)));
  return expected;
}

/** Names of the Secrets in `namespace` that hold exactly their expected values and whose SealedSecret is Ready. */
async function unsealedNames(k: Kube, namespace: string, expected: Expected): Promise<string[]> {
  const secrets = await k.core.listNamespacedSecret({ namespace });
  const list = (await k.custom.listNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", namespace, plural: "sealedsecrets" })) as {
    items: { metadata: { name: string; generation?: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] } }[];
  };
  const ready = new Set(
    list.items
      .filter((s) => s.status?.observedGeneration === s.metadata.generation && s.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
      .map((s) => s.metadata.name),
  );
  const wrong = secrets.items.filter((s) => {
    const want = expected.get(s.metadata?.name ?? "");
    return want !== undefined && JSON.stringify(decodedData(s)) !== JSON.stringify(want);
  });
  if (wrong.length > 0 && ready.has(wrong[0]?.metadata?.name ?? "")) {
    throw new Error(`Secret ${namespace}/${wrong[0]?.metadata?.name} is Ready with values that are not its own`);
  }
  return secrets.items.filter((s) => expected.has(s.metadata?.name ?? "") && !wrong.includes(s) && ready.has(s.metadata?.name ?? "")).map((s) => s.metadata?.name ?? "");
}

/** Waits until every expected Secret holds exactly its values and every SealedSecret is Ready. */
export async function waitAllUnsealed(k: Kube, namespace: string, expected: Expected, timeoutMs = 120_000): Promise<void> {
  await waitFor(async () => (await unsealedNames(k, namespace, expected)).length === expected.size, {
    what: `all ${expected.size} SealedSecrets in ${namespace} unsealed with their own values`,
    timeoutMs,
    intervalMs: 500,
  });
}

/** Waits until at least `count` of the expected Secrets are unsealed: to strike in the middle of a cold start. */
export async function waitSomeUnsealed(k: Kube, namespace: string, expected: Expected, count: number): Promise<void> {
  await waitFor(async () => (await unsealedNames(k, namespace, expected)).length >= count, { what: `${count} Secrets in ${namespace}`, intervalMs: 100 });
}

/**
 * The stored keys: none of `before` lost, and per type exactly one current key (the highest generation among
 * active keys is unique). Returns the ids of every stored key.
 */
export async function assertKeysSound(k: Kube, controllerNs: string, before: string[] = []): Promise<string[]> {
  const secrets = await keySecrets(k, controllerNs);
  const ids = secrets.map((s) => annotation(s, "key-id"));
  const lost = before.filter((id) => !ids.includes(id));
  if (lost.length > 0) throw new Error(`keys lost in ${controllerNs}: ${lost.join(", ")}`);
  for (const type of new Set(secrets.map((s) => annotation(s, "key-type")))) {
    const active = secrets.filter((s) => annotation(s, "key-type") === type && annotation(s, "state") === "active").map((s) => Number(annotation(s, "generation")));
    const top = Math.max(...active);
    if (active.filter((g) => g === top).length !== 1) throw new Error(`${controllerNs}: ${active.length} active ${type} keys share the current generation ${top}`);
  }
  return ids;
}

/** Names of the objects `procs` wrote an audit line about, with `what` (e.g. "Unsealed"). */
export function auditedNames(procs: ControllerProcess[], what = "Unsealed"): Set<string> {
  return new Set(
    procs.flatMap((p) => p.auditLines().filter((l) => l.what === what).map((l) => (l.object as { name?: string } | undefined)?.name ?? "")),
  );
}

/** Names of the objects in `namespace` that have an Event with `reason`. */
export async function eventNames(k: Kube, namespace: string, reason = "Unsealed"): Promise<Set<string>> {
  const list = await k.events.listNamespacedEvent({ namespace });
  return new Set(list.items.filter((e) => e.reason === reason).map((e) => e.regarding?.name ?? ""));
}

/** Waits until every expected object has an audit line (from any of `procs`) and an Event. */
export async function waitAuditComplete(k: Kube, namespace: string, expected: Expected, procs: ControllerProcess[]): Promise<void> {
  const names = [...expected.keys()];
  await waitFor(
    async () => {
      const audited = auditedNames(procs);
      const events = await eventNames(k, namespace);
      const missing = names.filter((n) => !audited.has(n) || !events.has(n));
      if (missing.length > 0) throw new Error(`no audit line or Event for ${missing.length} object(s), e.g. ${missing.slice(0, 3).join(", ")}`);
      return true;
    },
    { what: `an audit line and an Event for each of ${names.length} objects in ${namespace}`, timeoutMs: 60_000, intervalMs: 500 },
  );
}

/** seal_events_dropped_total of a running controller. */
export async function droppedEvents(proc: ControllerProcess): Promise<number> {
  const { body } = await proc.http("/metrics");
  return Number(/^seal_events_dropped_total (\S+)$/m.exec(body)?.[1] ?? "NaN");
}
