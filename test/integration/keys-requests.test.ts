// SealRequests on the real control plane: Rotate and Retire asked for through the API, fulfilled only in the
// controller's own namespace, with the outcome in status; Retire refuses keys still in use (unless forced) and
// never touches the current key; finished requests are never run again. (Verify/Reencrypt: requests-*.test.ts.)
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../control-plane/cluster.ts";
import { startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, createSealed, eventsAbout, getSealed, kube, publishedBundle, sealSecret, uniqueName, waitForEvent } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";
import { annotation, createSealRequest, ensureCrds, keySecrets, keysOfType, sealRequestStatus, waitForPhase, waitForUnsealedWith } from "./keys-support.js";

let k: Kube;
const controllerNs = uniqueName("seal-req");
const appNs = uniqueName("seal-req-app");
const values: string[] = [];
const processes: ControllerProcess[] = [];

function value(): string {
  const v = `v-${randomBytes(12).toString("hex")}`;
  values.push(v);
  return v;
}

async function controller(): Promise<ControllerProcess> {
  const proc = await startController({
    kubeconfig: cluster().kubeconfig,
    namespace: controllerNs,
    watchNamespaces: [appNs],
    args: ["--leader-elect", "false"],
  });
  processes.push(proc);
  return proc;
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrds(k);
  await createNamespace(k, controllerNs);
  await createNamespace(k, appNs);
});

afterAll(async () => {
  await stopAllControllers();
  const output = Object.fromEntries(processes.map((p, i) => [`controller #${i} output`, p.output()]));
  assertNoneContain(output, values);
  for (const text of Object.values(output)) expect(text).not.toMatch(/AGE-SECRET-KEY/);
});

describe("SealRequests", () => {
  it("rotates and retires on request, refusing keys in use and the current key", async () => {
    await controller();
    const first = await publishedBundle(k, controllerNs);
    const [oldKey] = keysOfType(first);
    await createSealed(k, await sealSecret({ name: "in-use", namespace: appNs, data: { token: value() } }, first.keys));
    expect(await waitForUnsealedWith(k, appNs, "in-use")).toEqual([oldKey?.id]);

    // A key request anywhere else is not the controller's business, whoever could create it there; a file
    // request in a namespace the controller does not watch (here: its own) is not answered either.
    await createSealRequest(k, appNs, "elsewhere", { action: "Rotate" });
    const unwatched = await sealSecret({ name: "unwatched", namespace: controllerNs, data: { token: value() } }, first.keys);
    await createSealRequest(k, controllerNs, "verify", { action: "Verify", objects: [unwatched] });
    await createSealRequest(k, controllerNs, "rotate", { action: "Rotate", reason: "test" });
    const rotated = await waitForPhase(k, controllerNs, "rotate");
    expect(rotated.phase).toBe("Complete");
    expect(rotated.completionTime).toBeDefined();
    const bundle = await publishedBundle(k, controllerNs);
    expect([...(rotated.keyIds ?? [])].sort()).toEqual(bundle.keys.map((key) => key.id).sort());
    for (const key of first.keys) expect(rotated.keyIds).not.toContain(key.id);
    await waitForEvent(k, controllerNs, "kubectl-seal-keys", "KeyRotated");
    expect(await sealRequestStatus(k, appNs, "elsewhere")).toBeUndefined();
    expect(await sealRequestStatus(k, controllerNs, "verify")).toBeUndefined();

    // Retire is refused while a SealedSecret still lists the key, and the message says where.
    await createSealRequest(k, controllerNs, "retire-in-use", { action: "Retire", keyId: oldKey?.id ?? "" });
    const refused = await waitForPhase(k, controllerNs, "retire-in-use");
    expect(refused.phase).toBe("Failed");
    expect(refused.message).toContain("1 SealedSecret");
    expect(refused.message).toContain(appNs);
    expect(refused.message).toContain("spec.force");

    // The current key is never retired, not even by force.
    const [currentKey] = keysOfType(bundle);
    await createSealRequest(k, controllerNs, "retire-current", { action: "Retire", keyId: currentKey?.id ?? "", force: true });
    const current = await waitForPhase(k, controllerNs, "retire-current");
    expect(current.phase).toBe("Failed");
    expect(current.message).toContain("current");

    await createSealRequest(k, controllerNs, "retire-forced", { action: "Retire", keyId: oldKey?.id ?? "", force: true });
    expect((await waitForPhase(k, controllerNs, "retire-forced")).phase).toBe("Complete");
    const secrets = await keySecrets(k, controllerNs);
    const states = Object.fromEntries(secrets.map((s) => [annotation(s, "key-id"), annotation(s, "state")]));
    expect(states[oldKey?.id ?? ""]).toBe("retired");
    expect(states[currentKey?.id ?? ""]).toBe("active");
    const retiredSecret = secrets.find((s) => annotation(s, "key-id") === oldKey?.id);
    await waitForEvent(k, controllerNs, retiredSecret?.metadata?.name ?? "", "KeyRetired");
    expect(retiredSecret?.data?.identity).toBeDefined(); // retired, not deleted: still in backups

    // The retired key no longer unseals.
    await createSealed(k, await sealSecret({ name: "after-retire", namespace: appNs, data: { token: value() } }, first.keys));
    const failed = await waitForEvent(k, appNs, "after-retire", "UnsealFailed");
    expect(failed.note).toContain("unknown-key");
    expect((await getSealed(k, appNs, "after-retire"))?.status?.keyIds ?? []).not.toContain(oldKey?.id);
  });

  it("never runs a finished request again after a restart", async () => {
    await stopAllControllers();
    const before = (await keySecrets(k, controllerNs)).length;
    const bundle = await publishedBundle(k, controllerNs);
    const proc = await controller();
    // A new request after the restart shows the old ones were seen and skipped, not queued behind it.
    await createSealRequest(k, controllerNs, "retire-missing", { action: "Retire", keyId: "0000000000000000" });
    const missing = await waitForPhase(k, controllerNs, "retire-missing");
    expect(missing.phase).toBe("Failed");
    expect(missing.message).toContain("no sealing key with id 0000000000000000");
    expect((await keySecrets(k, controllerNs)).length).toBe(before);
    expect((await publishedBundle(k, controllerNs)).signature).toBe(bundle.signature);
    await waitFor(() => proc.lines().some((l) => l.msg === "SealRequest handled" && l.request === `${controllerNs}/retire-missing`), {
      what: "log line for the handled request",
    });
    expect(proc.lines().filter((l) => l.msg === "SealRequest handled")).toHaveLength(1);
    expect((await eventsAbout(k, controllerNs, "kubectl-seal-keys")).filter((e) => e.reason === "KeyRotated")).toHaveLength(1);
  });
});
