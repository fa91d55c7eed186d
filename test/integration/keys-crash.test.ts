// Crash safety of key rotation, on the real API server: a KeyManager is stopped dead between the durable steps
// of a rotation (the test seam afterStep throws, and the instance is abandoned as a crashed process would be);
// a fresh KeyManager then starts from what is stored. No key may be lost and there is one current key per type, and
// the Events the crash cut off (KeyGenerated, KeyRotated, KeyRetired) are written by the fresh one, marked late.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Audit } from "../../controller/audit.js";
import { KeyManager } from "../../controller/keys.js";
import type { KeyManagerOptions } from "../../controller/keys.js";
import { createLogger } from "../../controller/log.js";
import { createMetrics } from "../../controller/metrics.js";
import { cluster } from "../control-plane/cluster.ts";
import { createNamespace, kube, publishedBundle, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import type { V1Secret } from "@kubernetes/client-node";
import { KEY_TYPES, annotation, currentKeyIds, keySecrets, storedSigner } from "./keys-support.js";

const HOUR = 3_600_000;
let k: Kube;
const output: string[] = [];

class Crash extends Error {}

function manager(namespace: string, extra: Partial<KeyManagerOptions> = {}): KeyManager {
  const log = createLogger("debug", (line) => output.push(line));
  const audit = new Audit({ kc: k.kc, log, controllerName: "keys-crash-test", write: (line) => output.push(line) });
  return new KeyManager({ kc: k.kc, namespace, rotationPeriodMs: HOUR, audit, log, metrics: createMetrics({ defaultMetrics: false }), ...extra });
}

/** Ids of every stored sealing key, and checks there is exactly one highest generation per type. */
async function storedState(namespace: string): Promise<{ ids: string[]; current: Record<string, string> }> {
  const secrets = await keySecrets(k, namespace);
  for (const type of KEY_TYPES) {
    const generations = secrets.filter((s) => annotation(s, "key-type") === type).map((s) => Number(annotation(s, "generation")));
    expect(new Set(generations).size, `generations of ${type} keys are distinct`).toBe(generations.length);
  }
  return { ids: secrets.map((s) => annotation(s, "key-id")).sort(), current: currentKeyIds(secrets) };
}

beforeAll(() => {
  k = kube(cluster().kubeconfig);
});

afterAll(() => {
  // Nothing in the captured log and audit output may carry private key material.
  expect(output.join("\n")).not.toMatch(/AGE-SECRET-KEY/);
});

describe("key rotation crash safety", () => {
  // A rotation creates the new mlkem768x25519 key, then the new x25519 key, then publishes the bundle.
  const crashPoints = [
    { name: "after the first new key", after: 1, step: "key-created" },
    { name: "after both new keys, before the bundle", after: 2, step: "key-created" },
  ] as const;

  for (const point of crashPoints) {
    it(`loses no key and keeps one current key per type when a rotation dies ${point.name}`, async () => {
      const ns = uniqueName("seal-crash");
      await createNamespace(k, ns);
      const first = manager(ns);
      await first.start();
      first.stop();
      const before = await storedState(ns);
      expect(Object.keys(before.current).sort()).toEqual([...KEY_TYPES].sort());
      const bundleBefore = await publishedBundle(k, ns);

      let steps = 0;
      const doomed = manager(ns, {
        afterStep: (step) => {
          if (step === point.step && ++steps === point.after) throw new Crash(`simulated crash ${point.name}`);
        },
      });
      await doomed.start();
      doomed.stop();
      await expect(doomed.rotateNow("test")).rejects.toBeInstanceOf(Crash);

      const crashed = await storedState(ns);
      expect(crashed.ids).toEqual(expect.arrayContaining(before.ids)); // nothing lost
      expect(crashed.ids.length).toBe(before.ids.length + point.after); // the created keys are whole
      // The bundle still names the old keys: the crash came before publishing.
      expect((await publishedBundle(k, ns)).keys.map((key) => key.id)).toEqual(bundleBefore.keys.map((key) => key.id));

      const restarted = manager(ns);
      await restarted.start();
      restarted.stop();
      const after = await storedState(ns);
      expect(after.ids).toEqual(crashed.ids); // the restart neither loses nor needlessly adds keys
      const bundle = await publishedBundle(k, ns);
      // The bundle now lists exactly the current key of each type, signed by the stored identity.
      expect(bundle.signer).toBe(await storedSigner(k, ns));
      expect(Object.fromEntries(bundle.keys.map((key) => [key.type, key.id]))).toEqual(after.current);
      // Every key that was ever stored still unseals.
      expect(restarted.privateKeys().map((key) => key.id).sort()).toEqual(after.ids);
      // The crash came between the last new key's write and its Event: the restart wrote that one, marked late.
      const events = (await k.events.listNamespacedEvent({ namespace: ns })).items;
      const notes = crashed.ids.filter((i) => !before.ids.includes(i)).flatMap((id) => events.filter((e) => e.reason === "KeyGenerated" && e.note?.includes(id)).map((e) => e.note ?? ""));
      expect(notes).toHaveLength(point.after); // one Event per new key
      expect(notes.filter((note) => note.includes("recorded late"))).toHaveLength(1);
      const rotated = events.filter((e) => e.reason === "KeyRotated").map((e) => e.note ?? "");
      expect(rotated.filter((note) => Object.values(after.current).some((id) => note.includes(id)))).toHaveLength(1);
      expect((await keySecrets(k, ns)).filter((s) => s.metadata?.annotations?.["seal.dev/unrecorded"] !== undefined)).toEqual([]);
    });
  }

  it("finishes an interrupted scheduled rotation on the next start, as the other type is still due", async () => {
    const ns = uniqueName("seal-crash");
    await createNamespace(k, ns);
    const first = manager(ns);
    await first.start();
    first.stop();
    const before = await storedState(ns);

    // Two periods later both types are due; the process dies after rotating only the first type.
    const later = () => new Date(Date.now() + 2 * HOUR);
    const doomed = manager(ns, {
      now: later,
      afterStep: (step) => {
        if (step === "key-created") throw new Crash("simulated crash mid-rotation");
      },
    });
    await expect(doomed.start()).rejects.toBeInstanceOf(Crash);
    doomed.stop();
    const crashed = await storedState(ns);
    expect(crashed.ids.length).toBe(before.ids.length + 1);
    expect(Object.values(crashed.current).filter((id) => before.ids.includes(id))).toHaveLength(1); // one type rotated

    const restarted = manager(ns, { now: later });
    await restarted.start();
    restarted.stop();
    const after = await storedState(ns);
    expect(after.ids.length).toBe(before.ids.length + 2);
    for (const id of Object.values(after.current)) expect(before.ids).not.toContain(id); // both types rotated
    expect(after.ids).toEqual(expect.arrayContaining(crashed.ids));
    const bundle = await publishedBundle(k, ns);
    expect(Object.fromEntries(bundle.keys.map((key) => [key.type, key.id]))).toEqual(after.current);
  });

  it("records a retirement a crash cut off (state and mark written, no Event) on the next start, and a normal one once", async () => {
    const ns = uniqueName("seal-crash");
    await createNamespace(k, ns);
    const first = manager(ns);
    await first.start();
    await first.rotateNow("test"); // two generations per type: the first ones may be retired
    first.stop();
    const old = (await keySecrets(k, ns)).filter((s) => annotation(s, "generation") === "1");
    const [cut, normal] = old;
    // What retire() writes in one patch; the crash comes before the Event.
    await k.core.patchNamespacedSecret(
      { name: cut?.metadata?.name ?? "", namespace: ns, body: { metadata: { annotations: { "seal.dev/state": "retired", "seal.dev/unrecorded": "KeyRetired" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const restarted = manager(ns);
    await restarted.start();
    await restarted.retire(annotation(normal as V1Secret, "key-id"));
    restarted.stop();
    const retiredNotes = (await k.events.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.reason === "KeyRetired").map((e) => `${e.regarding?.name}: ${e.note}`);
    expect(retiredNotes.sort()).toEqual(
      [
        `${cut?.metadata?.name}: Retired ${annotation(cut as V1Secret, "key-type")} key ${annotation(cut as V1Secret, "key-id")}; it no longer unseals (recorded late: the controller stopped between the change and its record)`,
        `${normal?.metadata?.name}: Retired ${annotation(normal as V1Secret, "key-type")} key ${annotation(normal as V1Secret, "key-id")}; it no longer unseals`,
      ].sort(),
    );
    expect((await keySecrets(k, ns)).filter((s) => annotation(s, "unrecorded") !== "")).toEqual([]);
  });
});
