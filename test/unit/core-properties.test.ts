// fast-check properties: any value and key names round-trip, any flipped ciphertext byte is refused as
// tampered, and any value moved to another object, namespace or key is refused as wrong-scope.
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import { UnsealError, decodeBase64, encodeBase64, seal, unseal, type PrivateKey, type SealedSecret } from "../../src/index.js";
import { expectNoSecretIn, keyPair } from "./core-fixtures.js";

let x: PrivateKey;
let pq: PrivateKey;
beforeAll(async () => {
  ({ x, pq } = await keyPair());
});

// Includes names that live on Object.prototype: they are valid Secret keys and must stay plain data.
const dataKey = fc.oneof(
  fc.stringMatching(/^[-._a-zA-Z0-9]{1,20}$/).filter((k) => k !== "." && !k.startsWith("..")),
  fc.constantFrom("__proto__", "valueOf", "constructor", "toString", "hasOwnProperty"),
);
const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
const value = fc.uint8Array({ maxLength: 2048 });

async function unsealError(sealed: SealedSecret, key: PrivateKey): Promise<UnsealError> {
  try {
    await unseal(sealed, [key]);
  } catch (error) {
    expect(error).toBeInstanceOf(UnsealError);
    return error as UnsealError;
  }
  throw new Error("unseal accepted an altered object");
}

describe("properties", () => {
  test("any bytes under any valid names round-trip, for every scope", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(dataKey, value, { minKeys: 1, maxKeys: 4 }),
        dnsLabel,
        dnsLabel,
        fc.constantFrom("strict", "namespace", "cluster" as const),
        async (data, namespace, name, scope) => {
          const sealed = await seal({ name, namespace, data }, [x], { scope });
          const { secret } = await unseal(sealed, [x]);
          expect(secret.data).toEqual(data);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("any single flipped byte of a ciphertext is refused as tampered (X25519 and post-quantum)", async () => {
    const secretValue = "flip-canary-0b7e";
    for (const key of [x, pq]) {
      const sealed = await seal({ name: "db", namespace: "shop", data: { v: new TextEncoder().encode(secretValue) } }, [key], { scope: "strict" });
      const file = decodeBase64(sealed.spec.encryptedData["v"] ?? "") ?? new Uint8Array();
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: file.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, mask) => {
          const altered = file.slice();
          altered[index] = (altered[index] ?? 0) ^ mask;
          const copy: SealedSecret = { ...sealed, spec: { ...sealed.spec, encryptedData: { v: encodeBase64(altered) } } };
          const error = await unsealError(copy, key);
          expect(error.reason).toBe("tampered");
          expect(error.message).toContain("shop/db key v");
          expectNoSecretIn(error, [secretValue]);
        }),
        { numRuns: 150 },
      );
    }
  });

  test("invalid base64 in encryptedData is refused as tampered", async () => {
    const sealed = await seal({ name: "db", namespace: "shop", data: { v: new Uint8Array([1]) } }, [x], { scope: "strict" });
    const copy: SealedSecret = { ...sealed, spec: { ...sealed.spec, encryptedData: { v: "not base64!" } } };
    expect((await unsealError(copy, x)).reason).toBe("tampered");
  });

  test("a value moved to another namespace, name or key is refused as wrong-scope, per scope", async () => {
    const target = fc.record({ namespace: dnsLabel, name: dnsLabel, key: dataKey });
    await fc.assert(
      fc.asyncProperty(target, target, fc.constantFrom("strict", "namespace" as const), async (from, to, scope) => {
        const movesOut = scope === "strict" ? from.namespace !== to.namespace || from.name !== to.name || from.key !== to.key : from.namespace !== to.namespace;
        const sealed = await seal({ name: from.name, namespace: from.namespace, data: { [from.key]: new Uint8Array([7]) } }, [x], { scope });
        const moved: SealedSecret = {
          ...sealed,
          metadata: { name: to.name, namespace: to.namespace },
          spec: { ...sealed.spec, encryptedData: { [to.key]: sealed.spec.encryptedData[from.key] ?? "" }, sealedTo: {} },
        };
        if (!movesOut) {
          expect((await unseal(moved, [x])).secret.data[to.key]).toEqual(new Uint8Array([7]));
          return;
        }
        const error = await unsealError(moved, x);
        expect(error.reason).toBe("wrong-scope");
        expect(error.message).toContain(`${to.namespace}/${to.name} key ${to.key}`);
      }),
      { numRuns: 80 },
    );
  });

  test("cluster scope values move freely, but changing spec.scope is refused as wrong-scope", async () => {
    const sealed = await seal({ name: "a", namespace: "one", data: { k: new Uint8Array([1]) } }, [x], { scope: "cluster" });
    const moved: SealedSecret = { ...sealed, metadata: { name: "b", namespace: "two" } };
    expect((await unseal(moved, [x])).secret.data["k"]).toEqual(new Uint8Array([1]));
    const strict = await seal({ name: "a", namespace: "one", data: { k: new Uint8Array([1]) } }, [x], { scope: "strict" });
    const widened: SealedSecret = { ...strict, metadata: { name: "b", namespace: "two" }, spec: { ...strict.spec, scope: "cluster" } };
    expect((await unsealError(widened, x)).reason).toBe("wrong-scope");
  });
});
