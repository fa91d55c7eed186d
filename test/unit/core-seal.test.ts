// Round trips per scope and key type, several recipients, strangers, the post-quantum rule and expired keys.
import { beforeAll, describe, expect, test } from "vitest";
import {
  InputError,
  SCOPES,
  UnsealError,
  generateKey,
  keyIdOf,
  seal,
  unseal,
  type PrivateKey,
  type SealedSecret,
} from "../../src/index.js";
import { demoSecret, keyPair, text, thrown, utf8 } from "./core-fixtures.js";

let x: PrivateKey;
let pq: PrivateKey;
let stranger: PrivateKey;
beforeAll(async () => {
  ({ x, pq } = await keyPair());
  stranger = await generateKey("x25519");
});

describe("round trip", () => {
  for (const scope of SCOPES) {
    for (const type of ["x25519", "mlkem768x25519"] as const) {
      test(`${scope} scope, ${type} key`, async () => {
        const key = type === "x25519" ? x : pq;
        const secret = demoSecret({ immutable: true, annotations: { team: "a" } });
        const sealed = await seal(secret, [key], { scope });
        expect(sealed.spec.scope).toBe(scope);
        expect(sealed.metadata).toEqual({ name: "db", namespace: "shop" });
        expect(sealed.spec.sealedTo).toEqual({ password: [key.id], token: [key.id] });
        expect(sealed.spec.template).toEqual({
          metadata: { labels: { app: "shop" }, annotations: { team: "a" } },
          type: "Opaque",
          immutable: true,
        });
        const { secret: opened, keyIds } = await unseal(sealed, [key]);
        expect(opened).toEqual(secret);
        expect(keyIds).toEqual([key.id]);
      });
    }
  }

  test("cluster scope needs neither name nor namespace", async () => {
    const sealed = await seal({ data: { k: utf8("v") } }, [x], { scope: "cluster" });
    expect(sealed.metadata).toEqual({});
    expect(text((await unseal(sealed, [x])).secret.data["k"])).toBe("v");
  });

  test("empty values and empty secrets survive", async () => {
    const sealed = await seal(demoSecret({ data: { empty: new Uint8Array() } }), [x], { scope: "strict" });
    expect((await unseal(sealed, [x])).secret.data["empty"]).toEqual(new Uint8Array());
    const none = await seal(demoSecret({ data: {} }), [x], { scope: "strict" });
    expect((await unseal(none, [x])).secret.data).toEqual({});
  });
});

describe("recipients", () => {
  test("any one of several recipients unseals; a stranger cannot", async () => {
    const second = await generateKey("x25519");
    const recovery = await generateKey("x25519");
    const sealed = await seal(demoSecret(), [x, second], { scope: "strict", recipients: [recovery.recipient] });
    expect(sealed.spec.sealedTo?.["password"]).toEqual([x.id, second.id, recovery.id]);
    for (const key of [x, second, recovery]) {
      const { secret, keyIds } = await unseal(sealed, [key]);
      expect(text(secret.data["password"])).toBe(text(demoSecret().data["password"]));
      expect(keyIds).toEqual([key.id]);
    }
    const error = await thrown(UnsealError, () => unseal(sealed, [stranger]));
    expect(error.reason).toBe("unknown-key");
    expect(error.message).toContain("shop/db key password");
    expect(error.message).toContain(x.id);
  });

  test("the sealedTo hint is not trusted: a wrong hint still unseals with the right key", async () => {
    const sealed = await seal(demoSecret(), [x], { scope: "strict" });
    const lying: SealedSecret = { ...sealed, spec: { ...sealed.spec, sealedTo: { password: [stranger.id], token: [] } } };
    expect((await unseal(lying, [stranger, x])).keyIds).toEqual([x.id]);
  });

  test("duplicate recipients are sealed to once", async () => {
    const sealed = await seal(demoSecret(), [x], { scope: "strict", recipients: [x.recipient] });
    expect(sealed.spec.sealedTo?.["token"]).toEqual([x.id]);
  });

  test("mixing post-quantum and classic recipients is refused", async () => {
    const error = await thrown(InputError, () => seal(demoSecret(), [pq], { scope: "strict", recipients: [x.recipient] }));
    expect(error.message).toMatch(/post-quantum .* cannot be mixed/);
  });

  test("a bundle offering both types seals to its post-quantum keys, or to its X25519 keys for a classic extra", async () => {
    const pqOnly = await seal(demoSecret(), [x, pq], { scope: "strict" });
    expect(pqOnly.spec.sealedTo?.["password"]).toEqual([pq.id]);
    const classic = await seal(demoSecret(), [x, pq], { scope: "strict", recipients: [stranger.recipient] });
    expect(classic.spec.sealedTo?.["password"]).toEqual([x.id, stranger.id]);
    const error = await thrown(InputError, () => seal(demoSecret(), [x], { scope: "strict", recipients: [pq.recipient, stranger.recipient] }));
    expect(error.message).toContain("cannot be mixed");
  });

  test("several post-quantum recipients are fine", async () => {
    const pq2 = await generateKey("mlkem768x25519");
    const sealed = await seal(demoSecret(), [pq], { scope: "namespace", recipients: [pq2.recipient] });
    expect((await unseal(sealed, [pq2])).keyIds).toEqual([keyIdOf(pq2.recipient)]);
  });

  test("expired keys are not sealed to; all expired is refused", async () => {
    const now = new Date("2026-11-25T00:00:00Z");
    const old = { ...x, expires: "2026-01-01T00:00:00Z" };
    const fresh = await generateKey("x25519", { now, lifetimeDays: 90 });
    expect(fresh.expires).toBe("2027-02-23T00:00:00Z");
    const sealed = await seal(demoSecret(), [old, fresh], { scope: "strict", now });
    expect(sealed.spec.sealedTo?.["password"]).toEqual([fresh.id]);
    const error = await thrown(InputError, () => seal(demoSecret(), [old], { scope: "strict", now }));
    expect(error.message).toContain("expired");
  });

  test("no key at all is refused", async () => {
    const error = await thrown(InputError, () => seal(demoSecret(), [], { scope: "strict" }));
    expect(error.message).toContain("--keys");
  });

  test("an invalid extra recipient is refused with a clear message", async () => {
    const error = await thrown(InputError, () => seal(demoSecret(), [x], { scope: "strict", recipients: ["age1nope"] }));
    expect(error.message).toContain("is not an age X25519");
  });
});

describe("scope target", () => {
  test("strict needs a namespace and a name", async () => {
    const noName = await thrown(InputError, () => seal(demoSecret({ name: undefined }), [x], { scope: "strict" }));
    expect(noName.message).toMatch(/no name, which strict scope binds to: set metadata.name \(or --name\)/);
    const noNs = await thrown(InputError, () => seal(demoSecret({ namespace: undefined }), [x], { scope: "strict" }));
    expect(noNs.message).toContain("no namespace, which strict scope binds to");
  });

  test("namespace scope needs a namespace but no name", async () => {
    await thrown(InputError, () => seal(demoSecret({ namespace: undefined }), [x], { scope: "namespace" }));
    const sealed = await seal(demoSecret({ name: undefined }), [x], { scope: "namespace" });
    expect(sealed.metadata).toEqual({ namespace: "shop" });
  });

  test("an unknown scope is refused, listing the valid ones", async () => {
    const error = await thrown(InputError, () => seal(demoSecret(), [x], { scope: "global" as never }));
    expect(error.message).toContain('unknown scope "global": use one of strict, namespace, cluster');
  });

  test("a data key that Kubernetes would refuse is refused", async () => {
    const error = await thrown(InputError, () => seal(demoSecret({ data: { "a/b": utf8("v") } }), [x], { scope: "cluster" }));
    expect(error.message).toContain('"a/b"');
  });
});
