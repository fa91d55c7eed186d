// Keys, identity files, the native X25519 identity (cross-checked against typage) and signed bundles.
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  BundleError,
  InputError,
  bundleSigningBytes,
  fingerprintOf,
  formatIdentityFile,
  generateKey,
  generateSigner,
  keyIdOf,
  parseIdentityFile,
  publicKeyOf,
  signBundle,
  verifyBundle,
  type KeyBundle,
} from "../../src/index.js";
import { NativeX25519Identity } from "../../src/age/x25519-identity.js";
import { thrown } from "./core-fixtures.js";

describe("keys", () => {
  test("key ids are 16 hex digits of SHA-256 over the recipient, so the same key always has the same id", async () => {
    const key = await generateKey("x25519", { now: new Date("2026-11-25T10:00:00.123Z") });
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(key.recipient)).toBe(key.id);
    expect(keyIdOf("age1example")).toBe("e37425255c92f8d2"); // printf age1example | sha256sum | cut -c1-16
    expect(key.created).toBe("2026-11-25T10:00:00Z");
    expect(key.recipient).toBe(await identityToRecipient(key.identity));
  });

  test("post-quantum keys are age1pq1 recipients", async () => {
    const key = await generateKey("mlkem768x25519");
    expect(key.recipient.startsWith("age1pq1")).toBe(true);
    expect(key.identity.startsWith("AGE-SECRET-KEY-PQ-1")).toBe(true);
    expect(key.type).toBe("mlkem768x25519");
  });

  test("identity files round-trip in age-keygen's format", async () => {
    const keys = [await generateKey("x25519", { lifetimeDays: 30 }), await generateKey("mlkem768x25519")];
    const file = formatIdentityFile(keys);
    expect(file).toMatch(/^# created: \S+Z\n# public key: age1\S+\n# expires: \S+\nAGE-SECRET-KEY-1\S+\n\n# created: /);
    expect(await parseIdentityFile(file, "id.txt")).toEqual(keys);
  });

  test("a bare age-keygen style file without comments is read", async () => {
    const identity = await generateX25519Identity();
    const [key] = await parseIdentityFile(`${identity}\n`, "id.txt");
    expect(key?.recipient).toBe(await identityToRecipient(identity));
  });

  test("bad identity files name the file and line, never the key material", async () => {
    const identity = await generateX25519Identity();
    const damaged = `${identity.slice(0, -3)}QQQ`;
    const e1 = await thrown(InputError, () => parseIdentityFile(`# created: x\n${damaged}\n`, "id.txt"), [damaged, identity]);
    expect(e1.message).toBe("id.txt: line 2 holds a damaged age identity: restore the file from its backup");
    const other = await identityToRecipient(await generateX25519Identity());
    const e2 = await thrown(InputError, () => parseIdentityFile(`# public key: ${other}\n${identity}\n`, "id.txt"), [identity]);
    expect(e2.message).toContain("id.txt: line 2: the secret key does not belong");
    const e3 = await thrown(InputError, () => parseIdentityFile("age1abc\n", "bundle.yaml"), []);
    expect(e3.message).toContain("bundle.yaml: line 1 is not an age identity");
    const e4 = await thrown(InputError, () => parseIdentityFile("# nothing\n", "empty.txt"), []);
    expect(e4.message).toContain("empty.txt holds no age identity");
  });
});

describe("NativeX25519Identity", () => {
  test("unwraps the same file key as typage's own X25519 identity, on random files and recipient sets", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 3 }), fc.nat({ max: 3 }), async (plaintext, before, after) => {
        const identity = await generateX25519Identity();
        const encrypter = new Encrypter();
        for (let i = 0; i < before; i++) encrypter.addRecipient(await identityToRecipient(await generateX25519Identity()));
        encrypter.addRecipient(await identityToRecipient(identity));
        for (let i = 0; i < after; i++) encrypter.addRecipient(await identityToRecipient(await generateX25519Identity()));
        const file = await encrypter.encrypt(plaintext);
        const header = file.subarray(0, file.indexOf(0x0a, Buffer.from(file).indexOf("\n---") + 1) + 1);
        const ours = new Decrypter();
        ours.addIdentity(new NativeX25519Identity(identity));
        const theirs = new Decrypter();
        theirs.addIdentity(identity);
        expect(await ours.decryptHeader(header)).toEqual(await theirs.decryptHeader(header));
        expect(await ours.decrypt(file)).toEqual(plaintext);
      }),
      { numRuns: 40 },
    );
  });

  test("returns null (does not throw) for a file sealed to someone else", async () => {
    const encrypter = new Encrypter();
    encrypter.addRecipient(await identityToRecipient(await generateX25519Identity()));
    const file = await encrypter.encrypt("x");
    const decrypter = new Decrypter();
    const mine = new NativeX25519Identity(await generateX25519Identity());
    decrypter.addIdentity({ unwrapFileKey: (stanzas) => { const key = mine.unwrapFileKey(stanzas); expect(key).toBeNull(); return key; } });
    await expect(decrypter.decrypt(file)).rejects.toThrow("no identity matched");
  });

  test("refuses something that is not an X25519 identity", () => {
    expect(() => new NativeX25519Identity("AGE-SECRET-KEY-PQ-1QQQQ")).toThrow();
  });
});

describe("bundles", () => {
  async function bundle(): Promise<{ signed: KeyBundle; signer: ReturnType<typeof generateSigner> }> {
    const signer = generateSigner();
    const keys = [await generateKey("x25519", { lifetimeDays: 90 }), await generateKey("mlkem768x25519")].map(publicKeyOf);
    return { signed: signBundle(keys, signer.secretKey, "2026-11-25T00:00:00Z"), signer };
  }

  test("sign then verify, with and without a pinned signer; private keys never enter a bundle", async () => {
    const { signed, signer } = await bundle();
    const json = JSON.parse(JSON.stringify(signed)) as unknown;
    expect(verifyBundle(json)).toEqual(signed);
    expect(verifyBundle(json, signer.publicKey)).toEqual(signed);
    expect(JSON.stringify(signed)).not.toContain("AGE-SECRET-KEY");
  });

  test("the signature covers the domain-separated canonical bytes", async () => {
    const { signed } = await bundle();
    const bytes = new TextDecoder().decode(bundleSigningBytes(signed));
    expect(bytes.startsWith('seal.dev/v1alpha1 key bundle\n{"signer":')).toBe(true);
    expect(bytes).toContain('"keys":[{"id":');
    expect(bytes).toContain('"expires":null}]}');
  });

  test("any change to a signed field is refused", async () => {
    const { signed } = await bundle();
    const [first, second] = signed.keys;
    if (first === undefined || second === undefined) throw new Error("two keys expected");
    const other = await generateKey("x25519");
    const tampered: KeyBundle[] = [
      { ...signed, issued: "2030-01-01T00:00:00Z" },
      { ...signed, keys: [second, first] },
      { ...signed, keys: [first] },
      { ...signed, keys: [{ ...first, expires: "2099-01-01T00:00:00Z" }, second] },
      { ...signed, keys: [{ ...publicKeyOf(other) }, second] },
    ];
    for (const doc of tampered) {
      const error = await thrown(BundleError, () => verifyBundle(doc), []);
      expect(error.message).toMatch(/has an invalid signature: the bundle was altered after signing/);
    }
  });

  test("a key id that does not match its recipient is refused even when signed", async () => {
    const signer = generateSigner();
    const key = publicKeyOf(await generateKey("x25519"));
    const signed = signBundle([{ ...key, id: "0000000000000000" }], signer.secretKey);
    const error = await thrown(BundleError, () => verifyBundle(signed), []);
    expect(error.message).toContain("key id 0000000000000000 does not match its recipient");
  });

  test("a bundle from another signer than the pinned one names both fingerprints", async () => {
    const { signed } = await bundle();
    const pinned = generateSigner();
    const error = await thrown(BundleError, () => verifyBundle(signed, pinned.publicKey), []);
    expect(error.message).toContain(`signed by ${fingerprintOf(signed.signer)}, not by the pinned ${fingerprintOf(pinned.publicKey)}`);
  });

  test("fingerprints are SHA256: + unpadded base64, like ssh-keygen -l", () => {
    const raw = new Uint8Array(32).fill(1);
    const fingerprint = fingerprintOf(Buffer.from(raw).toString("base64"));
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    // Known answer from: head -c32 of 0x01 bytes | openssl dgst -sha256 -binary | base64
    expect(fingerprint).toBe("SHA256:cs1uhCLEB/ttCYaQ8RMLfe1+wvf14dML2dUh8BU2N5M");
  });

  test("malformed bundles say what is missing", async () => {
    const { signed } = await bundle();
    const cases: [unknown, string][] = [
      [null, "is not an object"],
      [{ ...signed, kind: "ConfigMap" }, "is not a seal.dev/v1alpha1 KeyBundle"],
      [{ ...signed, signature: undefined }, "has no signature"],
      [{ ...signed, keys: [{ ...signed.keys[0], recipient: "age1nope" }] }, "key 1 has an invalid recipient"],
      [{ ...signed, keys: [{ ...signed.keys[0], type: "mlkem768x25519" }] }, "key 1 says type mlkem768x25519 but its recipient is x25519"],
    ];
    for (const [doc, message] of cases) {
      expect((await thrown(BundleError, () => verifyBundle(doc), [])).message).toContain(message);
    }
  });
});
