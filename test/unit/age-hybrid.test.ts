// The native post-quantum hybrid identity (src/age/hybrid-identity.ts) against typage's own HybridIdentity: same file
// keys on random files and recipient sets, same outcome on altered stanzas, null for someone else's file.
import { Decrypter, Encrypter, generateHybridIdentity, generateX25519Identity, identityToRecipient } from "age-encryption";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { NativeHybridIdentity } from "../../src/age/hybrid-identity.js";

function headerOf(file: Uint8Array): Uint8Array {
  const text = Buffer.from(file);
  return file.subarray(0, text.indexOf(0x0a, text.indexOf("\n---") + 1) + 1);
}

function decrypters(identity: string): { ours: Decrypter; theirs: Decrypter } {
  const ours = new Decrypter();
  ours.addIdentity(new NativeHybridIdentity(identity));
  const theirs = new Decrypter();
  theirs.addIdentity(identity); // typage's pure-JS HybridIdentity
  return { ours, theirs };
}

/** "ok:<hex>" for a decrypted file, "no-match" when no identity recognised a stanza, "error" for anything else. */
async function outcome(decrypter: Decrypter, file: Uint8Array): Promise<string> {
  try {
    return `ok:${Buffer.from(await decrypter.decrypt(file)).toString("hex")}`;
  } catch (error) {
    return error instanceof Error && error.message === "no identity matched any of the file's recipients" ? "no-match" : "error";
  }
}

// One identity reused by the tamper property: ML-KEM key generation in pure JS is what makes these tests slow.
const shared = generateHybridIdentity().then(async (identity) => ({ identity, recipient: await identityToRecipient(identity) }));

describe("NativeHybridIdentity", () => {
  test("unwraps the same file key as typage's HybridIdentity, on random files and recipient sets", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 2 }), fc.nat({ max: 2 }), async (plaintext, before, after) => {
        const identity = await generateHybridIdentity();
        const encrypter = new Encrypter();
        for (let i = 0; i < before; i++) encrypter.addRecipient(await identityToRecipient(await generateHybridIdentity()));
        encrypter.addRecipient(await identityToRecipient(identity));
        for (let i = 0; i < after; i++) encrypter.addRecipient(await identityToRecipient(await generateHybridIdentity()));
        const file = await encrypter.encrypt(plaintext);
        const { ours, theirs } = decrypters(identity);
        const fileKey = await ours.decryptHeader(headerOf(file));
        expect(fileKey).toEqual(await theirs.decryptHeader(headerOf(file)));
        expect(await ours.decrypt(file)).toEqual(plaintext);
      }),
      { numRuns: 15 },
    );
  });

  test("gives the same outcome as typage for a stanza altered anywhere (share or body)", async () => {
    const { identity, recipient } = await shared;
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    const file = Buffer.from(await encrypter.encrypt("value"));
    const text = file.toString("latin1");
    const stanzaStart = text.indexOf("-> mlkem768x25519 ") + "-> mlkem768x25519 ".length;
    const stanzaEnd = text.indexOf("\n---");
    const { ours, theirs } = decrypters(identity);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: stanzaStart, max: stanzaEnd - 1 }), fc.constantFrom(...alphabet), async (at, replacement) => {
        if (text[at] === "\n") return; // keep the stanza's line structure; lengths are covered below
        const altered = Buffer.from(file);
        altered[at] = replacement.charCodeAt(0);
        expect(await outcome(ours, altered)).toBe(await outcome(theirs, altered));
      }),
      { numRuns: 40 },
    );
  });

  test("refuses a share of the wrong length and an all-zero (low-order) X25519 share, as typage does", async () => {
    const { identity, recipient } = await shared;
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    const file = Buffer.from(await encrypter.encrypt("value"));
    const text = file.toString("latin1");
    const match = /-> mlkem768x25519 (\S+)\n/.exec(text);
    const share = Buffer.from(match?.[1] ?? "", "base64");
    const replace = (newShare: Buffer) =>
      Buffer.from(text.replace(match?.[1] ?? "", newShare.toString("base64").replace(/=+$/, "")), "latin1");
    const { ours, theirs } = decrypters(identity);
    for (const altered of [replace(share.subarray(0, share.length - 1)), replace(Buffer.concat([share.subarray(0, 1088), Buffer.alloc(32)]))]) {
      expect(await outcome(theirs, altered)).toBe("error");
      expect(await outcome(ours, altered)).toBe("error");
    }
  });

  test("returns null (does not throw) for a file sealed to someone else", async () => {
    const { recipient } = await shared;
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    const file = await encrypter.encrypt("x");
    const mine = new NativeHybridIdentity(await generateHybridIdentity());
    const decrypter = new Decrypter();
    const seen: (Uint8Array | null)[] = [];
    decrypter.addIdentity({ unwrapFileKey: (stanzas) => { const key = mine.unwrapFileKey(stanzas); seen.push(key); return key; } });
    await expect(decrypter.decrypt(file)).rejects.toThrow("no identity matched");
    expect(seen).toEqual([null]);
  });

  test("refuses something that is not a post-quantum identity", async () => {
    const classic = await generateX25519Identity();
    expect(() => new NativeHybridIdentity(classic)).toThrow("invalid post-quantum identity");
  });
});

