// The controller's keys as a real process on the real control plane: the first start creates the identity,
// a key set and the signed bundle; a restart reuses them; a short rotation period rotates, old SealedSecrets
// keep unsealing and new seals use the new key. No private key or secret value is ever printed.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyBundle } from "../../src/index.js";
import { cluster } from "../control-plane/cluster.ts";
import { startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess } from "./helpers/controller.js";
import {
  assertNoneContain,
  createNamespace,
  createSealed,
  decodedData,
  getSecret,
  kube,
  publishedBundle,
  sealSecret,
  uniqueName,
  waitForEvent,
} from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";
import { KEY_TYPES, annotation, currentKeyIds, ensureCrds, keySecrets, keysOfType, storedSigner, waitForUnsealedWith } from "./keys-support.js";

let k: Kube;
const values: string[] = [];
const processes: ControllerProcess[] = [];

function value(): string {
  const v = `v-${randomBytes(12).toString("hex")}`;
  values.push(v);
  return v;
}

async function controller(namespace: string, watch: string, args: string[] = []): Promise<ControllerProcess> {
  const proc = await startController({ kubeconfig: cluster().kubeconfig, namespace, watchNamespaces: [watch], args: ["--leader-elect", "false", ...args] });
  processes.push(proc);
  return proc;
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrds(k);
});

afterAll(async () => {
  await stopAllControllers();
  const output = Object.fromEntries(processes.map((p, i) => [`controller #${i} output`, p.output()]));
  assertNoneContain(output, values);
  for (const text of Object.values(output)) expect(text).not.toMatch(/AGE-SECRET-KEY/);
});

describe("controller keys", () => {
  it("creates the signer, one key of each type and a bundle signed by the stored signer on first start", async () => {
    const ns = uniqueName("seal-keys");
    await createNamespace(k, ns);
    const proc = await controller(ns, ns);
    const bundle = await publishedBundle(k, ns);

    const signer = await storedSigner(k, ns);
    expect(() => verifyBundle(bundle, signer)).not.toThrow();
    const sealing = await keySecrets(k, ns);
    expect(sealing.map((s) => annotation(s, "key-type")).sort()).toEqual([...KEY_TYPES].sort());
    for (const s of sealing) {
      expect(s.immutable).toBe(true);
      expect(annotation(s, "state")).toBe("active");
      expect(annotation(s, "generation")).toBe("1");
      expect(Date.parse(annotation(s, "expires"))).toBeGreaterThan(Date.parse(annotation(s, "created")));
      await waitForEvent(k, ns, s.metadata?.name ?? "", "KeyGenerated");
    }
    expect(Object.fromEntries(bundle.keys.map((key) => [key.type, key.id]))).toEqual(currentKeyIds(sealing));

    await waitFor(async () => (await proc.http("/metrics")).body.match(/^seal_keys 2$/m), { what: "seal_keys metric" });
    const metrics = (await proc.http("/metrics")).body;
    expect(metrics).toMatch(/^seal_last_rotation_timestamp_seconds [1-9]/m);

    // A restart finds everything in place: no new key, no new signature.
    await proc.stop();
    const again = await controller(ns, ns);
    await again.waitForLog((l) => l.msg === "caches synced, reconciling", "caches synced");
    expect((await keySecrets(k, ns)).map((s) => s.metadata?.name).sort()).toEqual(sealing.map((s) => s.metadata?.name).sort());
    expect((await publishedBundle(k, ns)).signature).toBe(bundle.signature);
  });

  it("rotates on schedule: old SealedSecrets still unseal, new seals use the new key, KeyRotated is recorded", async () => {
    const ns = uniqueName("seal-rot");
    await createNamespace(k, ns);
    await controller(ns, ns, ["--key-rotation-period", "4s"]);
    const first = await publishedBundle(k, ns);
    const oldData = { token: value() };
    const oldSealed = await sealSecret({ name: "old", namespace: ns, data: oldData }, first.keys);

    const rotated = await waitFor(
      async () => {
        const bundle = await publishedBundle(k, ns);
        return bundle.keys.every((key) => !first.keys.some((old) => old.id === key.id)) ? bundle : undefined;
      },
      { what: "a bundle with new keys of every type" },
    );
    const event = await waitForEvent(k, ns, "kubectl-seal-keys", "KeyRotated");
    expect(event.regarding?.kind).toBe("ConfigMap");

    // Every key ever made is still stored and active: rotation retires nothing.
    const stored = await keySecrets(k, ns);
    const storedIds = stored.map((s) => annotation(s, "key-id"));
    for (const key of [...first.keys, ...rotated.keys]) expect(storedIds).toContain(key.id);
    expect(stored.every((s) => annotation(s, "state") === "active")).toBe(true);

    await createSealed(k, oldSealed);
    expect(await waitForUnsealedWith(k, ns, "old")).toEqual(keysOfType(first).map((key) => key.id));
    expect(decodedData((await getSecret(k, ns, "old")) ?? {})).toEqual(oldData);

    const newData = { token: value() };
    await createSealed(k, await sealSecret({ name: "new", namespace: ns, data: newData }, rotated.keys));
    expect(await waitForUnsealedWith(k, ns, "new")).toEqual(keysOfType(rotated).map((key) => key.id));
    expect(decodedData((await getSecret(k, ns, "new")) ?? {})).toEqual(newData);
  });
});
