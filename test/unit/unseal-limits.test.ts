// The unseal path's limits (src/unseal-limits.ts), checked before any key is tried: an object over one is
// "malformed" and no identity does any work on it (the spy counts key agreements, not time). Also the messages
// that name what happened: an ASCII-armored age file is not "tampered", and a widened scope field is not a value
// "sealed for another cluster".
import { armor } from "age-encryption";
import { afterEach, describe, expect, test, vi } from "vitest";
import { NativeX25519Identity } from "../../src/age/x25519-identity.js";
import { generateKey, publicKeyOf, seal, unseal, UnsealError, type PrivateKey, type SealedSecret } from "../../src/index.js";
import { MAX_ENCRYPTED_BYTES, MAX_HEADER_BYTES, MAX_STANZAS_PER_OBJECT, MAX_STANZAS_PER_VALUE, MAX_VALUES } from "../../src/unseal-limits.js";

afterEach(() => vi.restoreAllMocks());

const key = generateKey("x25519");
const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString("base64");
const fakeStanza = `-> X25519 ${"A".repeat(43)}\n${"A".repeat(43)}\n`;

/** An age file with `stanzas` fake X25519 stanzas: well-formed enough that an identity would try each one. */
function ageFile(stanzas: number, stanza = fakeStanza): string {
  return `age-encryption.org/v1\n${stanza.repeat(stanzas)}--- ${"A".repeat(43)}\n${"x".repeat(48)}`;
}

function sealedWith(encryptedData: Record<string, string>, scope: SealedSecret["spec"]["scope"] = "strict"): SealedSecret {
  return { apiVersion: "seal.dev/v1alpha1", kind: "SealedSecret", metadata: { name: "db", namespace: "shop" }, spec: { scope, encryptedData } };
}

/** The UnsealError of unsealing `sealed`, and how many stanzas the identity was asked to unwrap meanwhile. */
async function refusal(sealed: SealedSecret, keys?: PrivateKey[]): Promise<{ error: UnsealError; unwraps: number }> {
  const spy = vi.spyOn(NativeX25519Identity.prototype, "unwrapFileKey");
  spy.mockClear();
  const error = await unseal(sealed, keys ?? [await key]).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UnsealError)) throw new Error(`expected an UnsealError, got ${String(error)}`);
  return { error, unwraps: spy.mock.calls.length };
}

describe("limits, before any key is tried", () => {
  test("the issue's 20,000 fake X25519 stanzas (2.6 MB of base64): malformed, no identity called", async () => {
    const encoded = b64(ageFile(20_000));
    expect(encoded.length).toBeGreaterThan(2_600_000);
    const { error, unwraps } = await refusal(sealedWith({ password: encoded }));
    expect(error.reason).toBe("malformed");
    expect(error.message).toBe(`SealedSecret shop/db has ${encoded.length} bytes of spec.encryptedData, over the limit of ${MAX_ENCRYPTED_BYTES}: split it into several SealedSecrets`);
    expect(unwraps).toBe(0);
  });

  test("20,000 small stanzas within the size limit: malformed at the stanza limit, no identity called", async () => {
    const { error, unwraps } = await refusal(sealedWith({ password: b64(ageFile(20_000, "-> X25519 A\nA\n")) }));
    expect(error.reason).toBe("malformed");
    expect(error.message).toBe(`SealedSecret shop/db key password: its age header has more than ${MAX_STANZAS_PER_VALUE} recipient stanzas: reseal the Secret with kubectl seal`);
    expect(unwraps).toBe(0);
  });

  test("at the per-value limit the identity does its work; one more stanza and it does none", async () => {
    const atLimit = await refusal(sealedWith({ password: b64(ageFile(MAX_STANZAS_PER_VALUE)) }));
    expect(atLimit.error.reason).not.toBe("malformed");
    expect(atLimit.unwraps).toBe(1);
    const over = await refusal(sealedWith({ password: b64(ageFile(MAX_STANZAS_PER_VALUE + 1)) }));
    expect([over.error.reason, over.unwraps]).toEqual(["malformed", 0]);
  });

  test("a header longer than the limit, with few stanzas", async () => {
    const longStanza = `-> X25519 ${"A".repeat(MAX_HEADER_BYTES)}\n${"A".repeat(43)}\n`;
    const { error, unwraps } = await refusal(sealedWith({ password: b64(ageFile(1, longStanza)) }));
    expect(error.message).toBe(`SealedSecret shop/db key password: its age header is longer than ${MAX_HEADER_BYTES} bytes: reseal the Secret with kubectl seal`);
    expect(unwraps).toBe(0);
  });

  test("too many stanzas over all values, though each value is within its limit", async () => {
    const values = Math.ceil((MAX_STANZAS_PER_OBJECT + 1) / MAX_STANZAS_PER_VALUE);
    const data = Object.fromEntries(Array.from({ length: values }, (_, i) => [`k${i}`, b64(ageFile(MAX_STANZAS_PER_VALUE))]));
    const { error, unwraps } = await refusal(sealedWith(data));
    expect(error.message).toBe(`SealedSecret shop/db has more than ${MAX_STANZAS_PER_OBJECT} recipient stanzas in all: split it into several SealedSecrets, or seal to fewer recipients`);
    expect(unwraps).toBe(0);
  });

  test("too many values, and too many bytes", async () => {
    const many = Object.fromEntries(Array.from({ length: MAX_VALUES + 1 }, (_, i) => [`k${i}`, b64(ageFile(1))]));
    const values = await refusal(sealedWith(many));
    expect(values.error.message).toBe(`SealedSecret shop/db has ${MAX_VALUES + 1} values, over the limit of ${MAX_VALUES}: split it into several SealedSecrets`);
    const big = await refusal(sealedWith({ a: "A".repeat(MAX_ENCRYPTED_BYTES / 2 + 4), b: "A".repeat(MAX_ENCRYPTED_BYTES / 2) }));
    expect(big.error.message).toBe(`SealedSecret shop/db has ${MAX_ENCRYPTED_BYTES + 4} bytes of spec.encryptedData, over the limit of ${MAX_ENCRYPTED_BYTES}: split it into several SealedSecrets`);
    expect([values.error.reason, big.error.reason, values.unwraps + big.unwraps]).toEqual(["malformed", "malformed", 0]);
  });
});

describe("messages name what happened", () => {
  test("an ASCII-armored age file, base64-encoded or pasted as is, is armored, not tampered", async () => {
    const sealed = await seal({ name: "db", namespace: "shop", data: { password: new TextEncoder().encode("v") } }, [publicKeyOf(await key)], { scope: "strict" });
    const armored = armor.encode(Buffer.from(sealed.spec.encryptedData["password"] ?? "", "base64"));
    const expected =
      "SealedSecret shop/db key password: the value is an ASCII-armored age file (-----BEGIN AGE ENCRYPTED FILE-----), not base64 of a binary one: encrypt without age -a/--armor and base64 -w0 the file, or reseal the value with kubectl seal";
    for (const value of [b64(armored), armored]) {
      const { error } = await refusal({ ...sealed, spec: { ...sealed.spec, encryptedData: { password: value } } });
      expect([error.reason, error.message]).toEqual(["malformed", expected]);
    }
  });

  test("strict scope widened to cluster or namespace says the scope field was changed", async () => {
    const sealed = await seal({ name: "db", namespace: "shop", data: { password: new TextEncoder().encode("v") } }, [publicKeyOf(await key)], { scope: "strict" });
    for (const scope of ["cluster", "namespace"] as const) {
      const { error } = await refusal({ ...sealed, spec: { ...sealed.spec, scope } });
      expect(error.reason).toBe("wrong-scope");
      expect(error.message).toBe(
        `SealedSecret shop/db key password: spec.scope is ${scope} but the value was sealed with strict scope, so the scope field was changed after sealing: set spec.scope back to strict, or seal the value again with --scope ${scope}`,
      );
    }
  });
});
