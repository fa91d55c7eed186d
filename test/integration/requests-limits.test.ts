// Big SealRequests on the real control plane: an answer that would outgrow etcd's object limit is cut at
// MAX_ANSWER_BYTES and the rest of the objects come back marked `retry` (and the answer is stored); a big
// Reencrypt does not hold up a Rotate asked for after it (key and file requests run in separate lanes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey, publicKeyOf } from "../../src/index.js";
import type { SealedSecret } from "../../src/index.js";
import { MAX_ANSWER_BYTES, MAX_REQUEST_BYTES, MAX_REQUEST_OBJECTS } from "../../src/sealrequest.js";
import { cluster } from "../control-plane/cluster.ts";
import { startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, kube, publishedBundle, sealSecret, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { createSealRequest, ensureCrds, waitForPhase } from "./keys-support.js";
import { TestValues, ask } from "./requests-support.js";

let k: Kube;
let proc: ControllerProcess;
const controllerNs = uniqueName("seal-limits");
const appNs = uniqueName("seal-limits-app");
const values = new TestValues();
const answers: string[] = [];

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrds(k);
  for (const ns of [controllerNs, appNs]) await createNamespace(k, ns);
  proc = await startController({ kubeconfig: cluster().kubeconfig, namespace: controllerNs, watchNamespaces: [appNs], args: ["--leader-elect", "false"] });
});

afterAll(async () => {
  await stopAllControllers();
  assertNoneContain({ "controller output": proc.output(), "request statuses": answers.join("\n") }, values.all);
});

async function files(count: number, type: "x25519" | "mlkem768x25519", keys: Parameters<typeof sealSecret>[1]): Promise<SealedSecret[]> {
  const out: SealedSecret[] = [];
  for (let i = 0; i < count; i++) out.push(await sealSecret({ name: `file-${i}`, namespace: appNs, data: { a: values.next(), b: values.next() } }, keys, { type }));
  return out;
}

describe("big SealRequests", () => {
  it("cuts an answer at its size limit and marks the objects it left out for a retry", async () => {
    const bundle = await publishedBundle(k, controllerNs);
    // Small X25519 files re-sealed to 16 post-quantum recipients each: the answer is ~25 times the request.
    const objects = await files(MAX_REQUEST_OBJECTS, "x25519", bundle.keys);
    expect(JSON.stringify(objects).length).toBeLessThan(MAX_REQUEST_BYTES);
    const recipients = await Promise.all(Array.from({ length: 15 }, async () => publicKeyOf(await generateKey("mlkem768x25519")).recipient));
    const status = await ask(k, appNs, uniqueName("huge"), { action: "Reencrypt", objects, recipients });
    answers.push(JSON.stringify(status));

    expect(status.phase).toBe("Complete");
    const results = status.results ?? [];
    expect(results).toHaveLength(MAX_REQUEST_OBJECTS);
    const firstRetry = results.findIndex((r) => r.retry === true);
    expect(firstRetry).toBeGreaterThan(0);
    // Processed objects first, then only retries, each saying what to do.
    expect(results.slice(0, firstRetry).every((r) => r.ok && Object.keys(r.encryptedData ?? {}).length === 2)).toBe(true);
    for (const r of results.slice(firstRetry)) {
      expect(r).toMatchObject({ ok: false, retry: true, message: expect.stringContaining("send this object again") });
      expect(r.encryptedData).toBeUndefined();
    }
    expect(JSON.stringify(results).length).toBeLessThan(MAX_ANSWER_BYTES + MAX_REQUEST_OBJECTS * 300);
  });

  it("answers a Rotate asked for after a big Reencrypt before the Reencrypt", async () => {
    const bundle = await publishedBundle(k, controllerNs);
    const objects = await files(MAX_REQUEST_OBJECTS, "mlkem768x25519", bundle.keys);
    const reencrypt = uniqueName("big");
    const rotate = uniqueName("rotate");
    await createSealRequest(k, appNs, reencrypt, { action: "Reencrypt", objects });
    await proc.waitForLog((l) => l.msg === "SealRequest started" && l.request === `${appNs}/${reencrypt}`, "the Reencrypt to be under way");
    await createSealRequest(k, controllerNs, rotate, { action: "Rotate" });
    const [big, rotated] = await Promise.all([waitForPhase(k, appNs, reencrypt), waitForPhase(k, controllerNs, rotate)]);
    answers.push(JSON.stringify(big));
    expect(big.phase).toBe("Complete");
    expect(rotated.phase).toBe("Complete");
    const handled = proc.lines().filter((l) => l.msg === "SealRequest handled").map((l) => l.request);
    expect(handled.indexOf(`${controllerNs}/${rotate}`)).toBeLessThan(handled.indexOf(`${appNs}/${reencrypt}`));
  });
});
