// Reencrypt SealRequests on the real control plane: after a rotation the controller re-seals the values that are
// not sealed to the current keys (and only those, so Git diffs stay small), with the same scope, and also to the
// extra recipients asked for; the answers still unseal to the same data, with the new keys and not the old ones;
// an object of another namespace is refused; no value ever shows up anywhere.
import { describe, expect, it } from "vitest";
import { UnsealError, generateKey, keyIdOf, mergeSealed, seal, unseal } from "../../src/index.js";
import type { KeyBundle, PrivateKey, SealedSecret } from "../../src/index.js";
import { createSealed, decodedData, getSecret, publishedBundle, sealSecret, uniqueName } from "./helpers/kube.js";
import { keysOfType, waitForUnsealedWith } from "./keys-support.js";
import { ask, controllerKeys, requestsFixture, resultAt, withAnswer } from "./requests-support.js";

const f = requestsFixture("seal-reenc");
const { controllerNs, appNs, values, answers } = f;

function data(...keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((key) => [key, values.next()]));
}

/** The values of `sealed` as text, opened with exactly `keys`. */
async function opened(sealed: SealedSecret, keys: PrivateKey[]): Promise<Record<string, string>> {
  const { secret } = await unseal(sealed, keys);
  return Object.fromEntries(Object.entries(secret.data).map(([key, v]) => [key, new TextDecoder().decode(v)]));
}

async function rotate(): Promise<KeyBundle> {
  const status = await ask(f.k, controllerNs, uniqueName("rotate"), { action: "Rotate" });
  expect(status.phase).toBe("Complete");
  const bundle = await publishedBundle(f.k, controllerNs);
  expect(bundle.keys.map((key) => key.id).sort()).toEqual([...(status.keyIds ?? [])].sort());
  return bundle;
}

async function privateKey(id: string | undefined): Promise<PrivateKey> {
  const key = (await controllerKeys(f.k, controllerNs)).find((candidate) => candidate.id === id);
  if (key === undefined) throw new Error(`the controller stores no key ${id}`);
  return key;
}

describe("Reencrypt SealRequests", () => {
  it("re-seals stale values to the current keys with the same scope, leaves current ones out, refuses other namespaces", async () => {
    const before = await publishedBundle(f.k, controllerNs);
    const strictData = data("token", "user");
    const stale = await sealSecret({ name: "stale", namespace: appNs, data: strictData }, before.keys);
    const namespaceData = data("token");
    const wide = await sealSecret({ name: "wide", namespace: appNs, data: namespaceData }, before.keys, { scope: "namespace" });
    const halfData = data("fresh", "old");
    const half = await sealSecret({ name: "half", namespace: appNs, data: halfData }, before.keys, { type: "mlkem768x25519" });

    const after = await rotate();
    const [currentPq] = keysOfType(after, "mlkem768x25519");
    const newKey = await privateKey(currentPq?.id);
    const oldKeys = await Promise.all(before.keys.map((key) => privateKey(key.id)));
    const currentData = data("token");
    const current = await sealSecret({ name: "current", namespace: appNs, data: currentData }, after.keys, { type: "mlkem768x25519" });
    // One value of `half` re-sealed by hand already (as `kubectl seal --merge-into` would).
    const halfFresh = await sealSecret({ name: "half", namespace: appNs, data: { fresh: halfData.fresh ?? "" } }, after.keys, { type: "mlkem768x25519" });
    const halfMixed = mergeSealed(half, halfFresh);
    const foreignNs = await sealSecret({ name: "stale", namespace: controllerNs, data: data("token") }, before.keys);

    const status = await ask(f.k, appNs, uniqueName("reencrypt"), { action: "Reencrypt", objects: [stale, wide, halfMixed, current, foreignNs] });
    answers.push(JSON.stringify(status));
    expect(status.phase).toBe("Complete");
    expect(status.message).toBe(`Re-encrypted 4 value(s) in 5 object(s) to key(s) ${currentPq?.id}; 1 object(s) failed`);

    // Every stale value comes back, sealed to the current key only, opened by the old one.
    const staleResult = resultAt(status, 0);
    expect(staleResult).toMatchObject({ ok: true, keyIds: [keysOfType(before)[0]?.id], sealedTo: { token: [currentPq?.id], user: [currentPq?.id] } });
    const staleAfter = withAnswer(stale, staleResult);
    expect(await opened(staleAfter, [newKey])).toEqual(strictData);
    await expect(unseal(staleAfter, oldKeys)).rejects.toSatisfy((e) => e instanceof UnsealError && e.reason === "unknown-key");

    // Same scope: a namespace-scoped value still opens as namespace-scoped (the binding line is checked).
    const wideAfter = withAnswer(wide, resultAt(status, 1));
    expect(wideAfter.spec.scope).toBe("namespace");
    expect(await opened(wideAfter, [newKey])).toEqual(namespaceData);

    // Only the stale value of a half-current object, and nothing of a current one.
    const halfResult = resultAt(status, 2);
    expect(Object.keys(halfResult.encryptedData ?? {})).toEqual(["old"]);
    expect(halfResult.encryptedData?.old).not.toBe(halfMixed.spec.encryptedData.old);
    expect(await opened(withAnswer(halfMixed, halfResult), [newKey])).toEqual(halfData);
    expect(resultAt(status, 3)).toEqual({ index: 3, object: `${appNs}/current`, ok: true, keyIds: [currentPq?.id] });

    expect(resultAt(status, 4)).toMatchObject({ ok: false, message: expect.stringContaining(`not in the request's namespace ${appNs}`) });
    expect(resultAt(status, 4).encryptedData).toBeUndefined();

    // The re-sealed file applied to the cluster: the controller unseals it with the new key into the same Secret.
    await createSealed(f.k, staleAfter);
    expect(await waitForUnsealedWith(f.k, appNs, "stale")).toEqual([currentPq?.id]);
    expect(decodedData((await getSecret(f.k, appNs, "stale")) ?? {})).toEqual(strictData);
  });

  it("keeps extra recipients, and leaves values alone that already have them", async () => {
    const bundle = await publishedBundle(f.k, controllerNs);
    const recovery = await generateKey("x25519");
    const recoveryData = data("token");
    const bytes = Object.fromEntries(Object.entries(recoveryData).map(([key, v]) => [key, new TextEncoder().encode(v)]));
    const sealed = await seal({ name: "recovery", namespace: appNs, data: bytes }, keysOfType(bundle, "x25519"), { scope: "strict", recipients: [recovery.recipient] });

    const after = await rotate();
    const [currentX25519] = keysOfType(after, "x25519");
    const status = await ask(f.k, appNs, uniqueName("reencrypt-extra"), { action: "Reencrypt", objects: [sealed], recipients: [recovery.recipient] });
    answers.push(JSON.stringify(status));
    const result = resultAt(status, 0);
    // Classic extra recipients make the file classic: the current X25519 key plus the recovery key.
    expect(result.sealedTo).toEqual({ token: [currentX25519?.id, keyIdOf(recovery.recipient)] });
    const resealed = withAnswer(sealed, result);
    expect(await opened(resealed, [recovery])).toEqual(recoveryData);
    expect(await opened(resealed, [await privateKey(currentX25519?.id)])).toEqual(recoveryData);

    const again = await ask(f.k, appNs, uniqueName("reencrypt-again"), { action: "Reencrypt", objects: [resealed], recipients: [recovery.recipient] });
    answers.push(JSON.stringify(again));
    expect(again.results).toEqual([{ index: 0, object: `${appNs}/recovery`, ok: true, keyIds: [currentX25519?.id] }]);
  });
});
