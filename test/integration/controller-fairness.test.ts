// Fairness between namespaces on the real control plane: a namespace full of the most expensive objects the unseal
// limits let through (every value opens only with the last of its 16 stanzas) does not hold up a cheap object of
// another namespace. Checked by order, not time: the controller starts with the whole flood and the good object
// already there, and the good object's Secret must exist while most poisoned objects have none yet. The values
// are opened on the unseal pool's real threads (one here, so the flood has to share it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey, seal } from "../../src/index.js";
import type { KeyBundle, SealedSecret } from "../../src/index.js";
import { MAX_STANZAS_PER_OBJECT, MAX_STANZAS_PER_VALUE } from "../../src/unseal-limits.js";
import { cluster } from "../control-plane/cluster.ts";
import { repoRoot, startController, stopAllControllers } from "./helpers/controller.js";
import { createNamespace, createSealed, decodedData, ensureCrd, getSealed, getSecret, kube, publishedBundle, sealSecret, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";

const POISONED = 32;
const VALUES = MAX_STANZAS_PER_OBJECT / MAX_STANZAS_PER_VALUE; // 64 values x 16 stanzas: the per-object budget

let k: Kube;
let bundle: KeyBundle;
const controllerNs = uniqueName("seal-ctl");
const flood = uniqueName("seal-flood");
const good = uniqueName("seal-good");

/** One namespace-scoped spec whose values each cost 16 key agreements to open (15 strangers' stanzas first). */
async function poisonedSpec(): Promise<SealedSecret> {
  const ours = bundle.keys.filter((key) => key.type === "x25519").map((key) => key.recipient);
  const strangers = await Promise.all(Array.from({ length: MAX_STANZAS_PER_VALUE - ours.length }, async () => (await generateKey("x25519")).recipient));
  const data = Object.fromEntries(Array.from({ length: VALUES }, (_, i) => [`k${i}`, new TextEncoder().encode(`poison-${i}`)]));
  return seal({ name: "poison", namespace: flood, data }, [], { scope: "namespace", recipients: [...strangers, ...ours] });
}

async function poisonedSecrets(): Promise<number> {
  return (await k.core.listNamespacedSecret({ namespace: flood })).items.length;
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrd(k, readFileSync(join(repoRoot, "manifests/crd.yaml"), "utf8"));
  for (const ns of [controllerNs, flood, good]) await createNamespace(k, ns);
  // A first controller only makes the keys; the one under test starts with all the work already queued.
  const keyMaker = await startController({ kubeconfig: cluster().kubeconfig, namespace: controllerNs, watchNamespaces: [`${controllerNs}-none`], name: "keys" });
  bundle = await publishedBundle(k, controllerNs);
  await keyMaker.stop();
});

afterAll(async () => {
  await stopAllControllers();
});

describe("controller fairness", () => {
  it("unseals a cheap object of one namespace while another namespace's poisoned backlog is still being opened", async () => {
    const spec = await poisonedSpec();
    const names = Array.from({ length: POISONED }, (_, i) => `poison-${i}`);
    for (let i = 0; i < names.length; i += 8) {
      await Promise.all(names.slice(i, i + 8).map((name) => createSealed(k, { ...spec, metadata: { ...spec.metadata, name } })));
    }
    await createSealed(k, await sealSecret({ name: "app", namespace: good, data: { password: "good-value" } }, bundle.keys));

    await startController({
      kubeconfig: cluster().kubeconfig,
      namespace: controllerNs,
      watchNamespaces: [flood, good],
      args: ["--unseal-threads", "1"],
      name: "fair",
    });
    const secret = await waitFor(() => getSecret(k, good, "app"), { what: `Secret ${good}/app`, timeoutMs: 120_000 });
    // The good object did not wait for the backlog (32 x 1,024 key agreements on one thread): poisoned objects
    // are still waiting to be unsealed.
    expect(await poisonedSecrets()).toBeLessThan(POISONED);
    expect(decodedData(secret)).toEqual({ password: "good-value" });

    // And the flood itself is unsealed correctly on the thread, to the last object.
    await waitFor(async () => (await poisonedSecrets()) === POISONED, { what: `${POISONED} Secrets in ${flood}`, timeoutMs: 240_000 });
    const last = await getSecret(k, flood, names.at(-1) ?? "");
    expect(decodedData(last ?? {})).toEqual(Object.fromEntries(Array.from({ length: VALUES }, (_, i) => [`k${i}`, `poison-${i}`])));
    const ready = await waitFor(
      async () => (await getSealed(k, flood, names.at(-1) ?? ""))?.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True"),
      { what: `${flood}/${names.at(-1)} Ready` },
    );
    expect(ready.reason).toBe("Unsealed");
  }, 420_000);
});
