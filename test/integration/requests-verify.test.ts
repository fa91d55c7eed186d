// Verify SealRequests on the real control plane: the controller tells, per object of a request, whether it can
// unseal it and with which key, or why not (tampered, moved to another object, sealed to a foreign key, in another
// namespace than the request); one audit line and one Event on the request, none on the objects; bad requests
// are Failed with a message saying what to fix; no value ever shows up anywhere.
import { describe, expect, it } from "vitest";
import { generateKey, publicKeyOf } from "../../src/index.js";
import { eventsAbout, publishedBundle, sealSecret, statusCode, uniqueName, waitForEvent } from "./helpers/kube.js";
import { createSealRequest, keysOfType } from "./keys-support.js";
import { ask, renamed, requestsFixture, resultAt, tampered } from "./requests-support.js";

const f = requestsFixture("seal-verify");
const { controllerNs, appNs, otherNs, values, answers } = f;

describe("Verify SealRequests", () => {
  it("answers per object: which key opens it, or why it cannot be opened", async () => {
    const bundle = await publishedBundle(f.k, controllerNs);
    const [x25519] = keysOfType(bundle, "x25519");
    const [pq] = keysOfType(bundle, "mlkem768x25519");
    const good = await sealSecret({ name: "good", namespace: appNs, data: { token: values.next(), user: values.next() } }, bundle.keys);
    const postQuantum = await sealSecret({ name: "pq", namespace: appNs, data: { token: values.next() } }, bundle.keys, { type: "mlkem768x25519" });
    const foreignKey = await generateKey("x25519");
    const foreign = await sealSecret({ name: "foreign", namespace: appNs, data: { token: values.next() } }, [publicKeyOf(foreignKey)]);
    const elsewhere = await sealSecret({ name: "elsewhere", namespace: otherNs, data: { token: values.next() } }, bundle.keys);
    const objects = [good, postQuantum, tampered(good, "user"), renamed(good, "moved"), foreign, elsewhere];

    const name = uniqueName("verify");
    const status = await ask(f.k, appNs, name, { action: "Verify", objects });
    answers.push(JSON.stringify(status));
    expect(status.phase).toBe("Complete");
    expect(status.message).toBe("Verified 6 object(s): 2 ok, 4 failed");
    expect(status.results?.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);

    expect(resultAt(status, 0)).toEqual({ index: 0, object: `${appNs}/good`, ok: true, keyIds: [x25519?.id] });
    expect(resultAt(status, 1)).toEqual({ index: 1, object: `${appNs}/pq`, ok: true, keyIds: [pq?.id] });
    expect(resultAt(status, 2)).toMatchObject({ ok: false, reason: "tampered", message: expect.stringContaining(`${appNs}/good key user`) });
    expect(resultAt(status, 3)).toMatchObject({ ok: false, reason: "wrong-scope", message: expect.stringContaining(`${appNs}/moved`) });
    expect(resultAt(status, 4)).toMatchObject({ ok: false, reason: "unknown-key", message: expect.stringContaining(foreignKey.id) });
    const refused = resultAt(status, 5);
    expect(refused.ok).toBe(false);
    expect(refused.reason).toBeUndefined();
    expect(refused.message).toBe(
      `SealedSecret ${otherNs}/elsewhere is in namespace ${otherNs}, not in the request's namespace ${appNs}: send it in a SealRequest in ${otherNs}`,
    );
    for (const r of status.results ?? []) expect(r.encryptedData).toBeUndefined();

    // One Warning Event on the request and one audit line naming objects, data keys and key ids; no Event about
    // the objects (they are files, not cluster objects).
    const event = await waitForEvent(f.k, appNs, name, "VerifyFailed");
    expect(event.type).toBe("Warning");
    expect(event.regarding?.kind).toBe("SealRequest");
    expect(event.note).toContain(`${appNs}/moved (wrong-scope)`);
    for (const object of ["good", "moved", "foreign", "pq"]) expect(await eventsAbout(f.k, appNs, object)).toEqual([]);
    const audit = f.proc.auditLines().find((l) => (l.object as { name?: string } | undefined)?.name === name);
    expect(audit).toMatchObject({ what: "VerifyFailed", type: "Warning" });
    expect(audit?.objects).toEqual([`${appNs}/good`, `${appNs}/pq`, `${appNs}/good`, `${appNs}/moved`, `${appNs}/foreign`, `${otherNs}/elsewhere`]);
    expect(audit?.dataKeys).toEqual(expect.arrayContaining(["good/token", "good/user", "moved/user", "pq/token"]));
    expect(audit?.keyIds).toEqual(expect.arrayContaining([x25519?.id, pq?.id]));
  });

  it("records a request where everything verifies as Normal", async () => {
    const bundle = await publishedBundle(f.k, controllerNs);
    const sealed = await sealSecret({ name: "fine", namespace: otherNs, data: { token: values.next() } }, bundle.keys, { scope: "namespace" });
    const name = uniqueName("verify-ok");
    const status = await ask(f.k, otherNs, name, { action: "Verify", objects: [sealed] });
    answers.push(JSON.stringify(status));
    expect(status.results).toEqual([{ index: 0, object: `${otherNs}/fine`, ok: true, keyIds: keysOfType(bundle).map((key) => key.id) }]);
    expect((await waitForEvent(f.k, otherNs, name, "Verified")).type).toBe("Normal");
  });

  it("is refused by the API when it carries no objects or a private key for a recipient", async () => {
    await expect(createSealRequest(f.k, appNs, uniqueName("empty"), { action: "Verify" })).rejects.toSatisfy((e) => statusCode(e) === 422);
    const identity = (await generateKey("x25519")).identity;
    const bundle = await publishedBundle(f.k, controllerNs);
    const sealed = await sealSecret({ name: "x", namespace: appNs, data: { token: values.next() } }, bundle.keys);
    // Refused before it is stored, so the pasted private key never reaches etcd or the controller.
    await expect(createSealRequest(f.k, appNs, uniqueName("pasted"), { action: "Reencrypt", objects: [sealed], recipients: [identity] })).rejects.toSatisfy(
      (e) => statusCode(e) === 422,
    );
  });

  it("fails a Reencrypt whose recipients are not age recipients, naming the entry and not echoing it", async () => {
    const bundle = await publishedBundle(f.k, controllerNs);
    const sealed = await sealSecret({ name: "bad-recipient", namespace: appNs, data: { token: values.next() } }, bundle.keys);
    const bogus = "age1notarecipient";
    const name = uniqueName("bad-recipient");
    const status = await ask(f.k, appNs, name, { action: "Reencrypt", objects: [sealed], recipients: [publicKeyOf(await generateKey("x25519")).recipient, bogus] });
    answers.push(JSON.stringify(status));
    expect(status.phase).toBe("Failed");
    expect(status.message).toBe(
      "spec.recipients[1] is not an age X25519 (age1...) or post-quantum (age1pq1...) recipient: copy the public key line from age-keygen or a kubectl-seal key bundle",
    );
    expect(status.results).toBeUndefined();
    expect((await waitForEvent(f.k, appNs, name, "ReencryptFailed")).note).toBe(status.message);

    const mixed = uniqueName("mixed");
    const classic = publicKeyOf(await generateKey("x25519")).recipient;
    const postQuantum = publicKeyOf(await generateKey("mlkem768x25519")).recipient;
    const refused = await ask(f.k, appNs, mixed, { action: "Reencrypt", objects: [sealed], recipients: [classic, postQuantum] });
    expect(refused.phase).toBe("Failed");
    expect(refused.message).toContain("cannot be mixed");
  });
});
