// Verify and Reencrypt without a cluster: per-object answers (request-objects.ts) and the request-level checks of
// FileRequests (namespace binding, recipients, audit). Property: for any Secret data and any split into current
// and stale values, Reencrypt returns exactly the stale values, sealed so that the merged file opens with the new
// key alone to the same data; no answer, message or audit line ever holds a value.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FileRequests } from "../../controller/request-files.js";
import { reencryptObject, verifyObject } from "../../controller/request-objects.js";
import type { ResealTarget } from "../../controller/request-objects.js";
import type { AuditEvent } from "../../controller/audit.js";
import { createLogger } from "../../controller/log.js";
import { generateKey, keyIdOf, mergeSealed, openValue, publicKeyOf, seal, unseal } from "../../src/index.js";
import type { PrivateKey, SealedSecret } from "../../src/index.js";
import type { SealRequest, SealRequestSpec } from "../../src/sealrequest.js";
import { utf8 } from "./core-fixtures.js";

const oldKey = await generateKey("x25519");
const newKey = await generateKey("x25519");
const target: ResealTarget = { keys: [publicKeyOf(newKey)], recipients: [], ids: new Set([newKey.id]), now: new Date() };

function sealTo(key: PrivateKey, data: Record<string, string>, name = "db"): Promise<SealedSecret> {
  const bytes = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, utf8(v)]));
  return seal({ name, namespace: "shop", data: bytes }, [publicKeyOf(key)], { scope: "strict" });
}

async function texts(sealed: SealedSecret, keys: PrivateKey[]): Promise<Record<string, string>> {
  const { secret } = await unseal(sealed, keys);
  return Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, new TextDecoder().decode(v)]));
}

describe("reencryptObject", () => {
  it("returns exactly the stale values, and the merged file opens with the new key alone", async () => {
    const dataKey = fc.stringMatching(/^[-._a-zA-Z0-9]{1,12}$/).filter((k) => k !== "." && k !== ".." && !k.startsWith(".."));
    const entries = fc.uniqueArray(fc.tuple(dataKey, fc.string({ minLength: 1 }), fc.boolean()), { selector: ([k]) => k, minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(entries, async (list) => {
        const data = Object.fromEntries(list.map(([k, v]) => [k, `canary-${v}`]));
        const current = list.filter(([, , isCurrent]) => isCurrent).map(([k]) => k);
        const old = await sealTo(oldKey, data);
        const file = current.length === 0 ? old : mergeSealed(old, await sealTo(newKey, Object.fromEntries(current.map((k) => [k, data[k] ?? ""]))));

        const result = await reencryptObject(file, [oldKey, newKey], target);
        expect(result.ok).toBe(true);
        const stale = list.filter(([, , isCurrent]) => !isCurrent).map(([k]) => k);
        expect(Object.keys(result.encryptedData ?? {}).sort()).toEqual([...stale].sort());
        for (const k of stale) expect(result.sealedTo?.[k]).toEqual([newKey.id]);
        const merged = mergeSealed(file, { ...file, spec: { scope: "strict", encryptedData: result.encryptedData ?? {}, sealedTo: result.sealedTo ?? {} } });
        expect(await texts(merged, [newKey])).toEqual(data);
        expect(JSON.stringify(result)).not.toContain("canary-");
      }),
      { numRuns: 30 },
    );
  });

  it("re-seals a value the new key opens when sealedTo does not name exactly the target", async () => {
    const file = await sealTo(newKey, { token: "canary-1" });
    const withExtra = { ...file, spec: { ...file.spec, sealedTo: { token: [newKey.id, keyIdOf(publicKeyOf(oldKey).recipient)] } } };
    expect(Object.keys((await reencryptObject(withExtra, [newKey], target)).encryptedData ?? {})).toEqual(["token"]);
    expect((await reencryptObject(file, [newKey], target)).encryptedData).toBeUndefined();
  });

  it("re-seals nothing of an object with a value it cannot open", async () => {
    const stranger = await generateKey("x25519");
    const file = mergeSealed(await sealTo(oldKey, { a: "canary-a" }), await sealTo(stranger, { b: "canary-b" }));
    const result = await reencryptObject(file, [oldKey, newKey], target);
    expect(result).toMatchObject({ ok: false, reason: "unknown-key", message: expect.stringContaining("shop/db key b") });
    expect(result.encryptedData).toBeUndefined();
  });
});

describe("verifyObject", () => {
  it("names the key that opens an object, and refuses malformed ones without throwing", async () => {
    expect(await verifyObject(await sealTo(oldKey, { a: "canary-a" }), [newKey, oldKey])).toEqual({ object: "shop/db", ok: true, keyIds: [oldKey.id] });
    expect(await verifyObject({ apiVersion: "seal.dev/v1alpha1", kind: "SealedSecret", metadata: { name: "x", namespace: "shop" }, ok: true }, [oldKey])).toMatchObject({
      object: "shop/x",
      ok: false,
      reason: "malformed",
    });
  });
});

describe("FileRequests", () => {
  const audited: AuditEvent[] = [];
  const files = new FileRequests({
    keys: { privateKeys: () => [oldKey, newKey], publicKeys: () => [publicKeyOf(newKey)] },
    audit: { recordNow: async (e) => void audited.push(e) },
    log: createLogger("error", () => undefined),
  });
  const request = (spec: SealRequestSpec): SealRequest => ({
    apiVersion: "seal.dev/v1alpha1",
    kind: "SealRequest",
    metadata: { name: "req", namespace: "shop", uid: "u-1" },
    spec,
  });

  it("refuses a private key given as a recipient without repeating it", async () => {
    const identity = (await generateKey("x25519")).identity;
    const outcome = await files.fulfil(request({ action: "Reencrypt", objects: [await sealTo(oldKey, { a: "canary-a" })], recipients: [identity] }), () => false);
    expect(outcome).toEqual({
      phase: "Failed",
      message:
        "spec.recipients[0] is a private age identity, not a recipient: delete this SealRequest, pass its public key (age1...) instead, and replace that identity, which is now exposed",
    });
    expect(JSON.stringify(audited)).not.toContain(identity);
    expect(audited.at(-1)).toMatchObject({ reason: "ReencryptFailed", type: "Warning", regarding: { kind: "SealRequest", name: "req", uid: "u-1" } });
  });

  it("answers each object, refusing those of another namespace, and audits names only", async () => {
    const here = await sealTo(oldKey, { a: "canary-a", b: "canary-b" });
    const there = { ...(await sealTo(oldKey, { a: "canary-c" }, "other")), metadata: { name: "other", namespace: "elsewhere" } };
    const outcome = await files.fulfil(request({ action: "Verify", objects: [here, there] }), () => false);
    expect(outcome?.results).toEqual([
      { index: 0, object: "shop/db", ok: true, keyIds: [oldKey.id] },
      {
        index: 1,
        object: "elsewhere/other",
        ok: false,
        message: "SealedSecret elsewhere/other is in namespace elsewhere, not in the request's namespace shop: send it in a SealRequest in elsewhere",
      },
    ]);
    expect(audited.at(-1)).toMatchObject({ reason: "VerifyFailed", objects: ["shop/db", "elsewhere/other"], dataKeys: ["db/a", "db/b", "other/a"], keyIds: [oldKey.id] });
    expect(JSON.stringify([outcome, audited])).not.toContain("canary-");
  });

  it("stops without an answer when the controller stops midway", async () => {
    expect(await files.fulfil(request({ action: "Verify", objects: [await sealTo(oldKey, { a: "canary-a" })] }), () => true)).toBeUndefined();
  });
});

describe("FileRequests with an unseal pool", () => {
  it("opens Verify and Reencrypt values through the opener of the request's namespace", async () => {
    const lanes: string[] = [];
    const files = new FileRequests({
      keys: { privateKeys: () => [oldKey, newKey], publicKeys: () => [publicKeyOf(newKey)] },
      audit: { recordNow: async () => undefined },
      log: createLogger("error", () => undefined),
      openerFor: (namespace) => (file, keys) => {
        lanes.push(namespace);
        return openValue(file, keys);
      },
    });
    const request = (action: "Verify" | "Reencrypt", objects: SealedSecret[]): SealRequest => ({
      apiVersion: "seal.dev/v1alpha1",
      kind: "SealRequest",
      metadata: { name: "req", namespace: "shop", uid: "u-2" },
      spec: { action, objects },
    });
    const file = await sealTo(oldKey, { a: "canary-a", b: "canary-b" });
    expect((await files.fulfil(request("Verify", [file]), () => false))?.phase).toBe("Complete");
    expect(lanes).toEqual(["shop", "shop"]);
    expect((await files.fulfil(request("Reencrypt", [file]), () => false))?.phase).toBe("Complete");
    expect(lanes).toEqual(["shop", "shop", "shop", "shop"]);
  });
});
