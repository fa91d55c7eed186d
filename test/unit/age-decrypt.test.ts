// The native age file opener (src/age/decrypt.ts) against typage's Decrypter: same plaintext for random files of any
// size (STREAM chunk boundaries included) and both key types, and the same outcome for altered or cut files.
import { Decrypter, Encrypter, generateHybridIdentity, generateX25519Identity, identityToRecipient } from "age-encryption";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { NO_MATCH, openAgeFile } from "../../src/age/decrypt.js";
import { NativeHybridIdentity } from "../../src/age/hybrid-identity.js";
import { NativeX25519Identity } from "../../src/age/x25519-identity.js";

const CHUNK = 64 * 1024;

type Outcome = string;

/** "ok:<sha of plaintext>", "no-match", or "error": what unseal.ts tells apart. */
async function outcomeOf(open: () => Promise<Uint8Array> | Uint8Array): Promise<Outcome> {
  try {
    return `ok:${Buffer.from(await open()).toString("base64")}`;
  } catch (error) {
    return error instanceof Error && error.message === NO_MATCH ? "no-match" : "error";
  }
}

const keys = (async () => {
  const x25519 = await generateX25519Identity();
  const hybrid = await generateHybridIdentity();
  return {
    x25519: { identity: x25519, recipient: await identityToRecipient(x25519), native: new NativeX25519Identity(x25519) },
    hybrid: { identity: hybrid, recipient: await identityToRecipient(hybrid), native: new NativeHybridIdentity(hybrid) },
  };
})();

async function both(type: "x25519" | "hybrid", file: Uint8Array): Promise<{ ours: Outcome; theirs: Outcome }> {
  const key = (await keys)[type];
  const decrypter = new Decrypter();
  decrypter.addIdentity(key.identity);
  return { ours: await outcomeOf(() => openAgeFile(file, key.native)), theirs: await outcomeOf(() => decrypter.decrypt(file)) };
}

async function sealTo(type: "x25519" | "hybrid", plaintext: Uint8Array, others = 0): Promise<Uint8Array> {
  const encrypter = new Encrypter();
  for (let i = 0; i < others; i++) {
    encrypter.addRecipient(await identityToRecipient(type === "x25519" ? await generateX25519Identity() : await generateHybridIdentity()));
  }
  encrypter.addRecipient((await keys)[type].recipient);
  return encrypter.encrypt(plaintext);
}

describe("openAgeFile", () => {
  test("opens what typage encrypts, for both key types and any recipient count", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("x25519" as const, "hybrid" as const), fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 2 }), async (type, plaintext, others) => {
        const file = await sealTo(type, plaintext, others);
        const key = (await keys)[type];
        expect(Buffer.from(openAgeFile(file, key.native))).toEqual(Buffer.from(plaintext));
      }),
      { numRuns: 40 },
    );
  });

  test("opens files at and around the 64 KiB STREAM chunk boundaries", async () => {
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 7]) {
      const plaintext = new Uint8Array(size).map((_, i) => i % 251);
      const file = await sealTo("x25519", plaintext);
      const { ours, theirs } = await both("x25519", file);
      expect(ours, `size ${size}`).toBe(theirs);
      expect(ours.startsWith("ok:"), `size ${size}`).toBe(true);
    }
  });

  test("gives typage's outcome for a file with any one byte changed", async () => {
    const files = { x25519: await sealTo("x25519", new TextEncoder().encode("seal.dev/v1alpha1 cluster\nvalue"), 1), hybrid: await sealTo("hybrid", new TextEncoder().encode("v")) };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("x25519" as const, "hybrid" as const), fc.nat(), fc.integer({ min: 1, max: 255 }), async (type, at, xor) => {
        const altered = Uint8Array.from(files[type]);
        const i = at % altered.length;
        altered[i] = (altered[i] ?? 0) ^ xor;
        const { ours, theirs } = await both(type, altered);
        expect(ours).toBe(theirs);
      }),
      { numRuns: 300 },
    );
  });

  test("gives typage's outcome for a file cut short or with bytes appended", async () => {
    const file = await sealTo("x25519", new Uint8Array(CHUNK + 10).fill(7));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: file.length }), fc.uint8Array({ maxLength: 20 }), async (length, tail) => {
        for (const variant of [file.subarray(0, length), Uint8Array.from([...file, ...tail])]) {
          const { ours, theirs } = await both("x25519", variant);
          expect(ours).toBe(theirs);
        }
      }),
      { numRuns: 60 },
    );
  });

  test("says NO_MATCH, as typage does, for a file sealed to someone else", async () => {
    const encrypter = new Encrypter();
    encrypter.addRecipient(await identityToRecipient(await generateX25519Identity()));
    const { ours, theirs } = await both("x25519", await encrypter.encrypt("x"));
    expect([ours, theirs]).toEqual(["no-match", "no-match"]);
  });
});
