// Native age encryption (src/age/encrypt.ts and its recipients) against typage and the age CLI: typage's Decrypter opens every
// file we write (X25519 and post-quantum recipients, one to three of them, empty values and values across the
// 64 KiB chunk boundaries), the age CLI opens the X25519 ones, every file has fresh randomness, and the layout is
// typage's own (same length, same stanza shapes).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decrypter, Encrypter, generateHybridIdentity, generateX25519Identity, identityToRecipient } from "age-encryption";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPublicKey, diffieHellman } from "node:crypto";
import { base64nopad } from "@scure/base";
import { base64NoPad, encryptAgeFile } from "../../src/age/encrypt.js";
import { nativeRecipients } from "../../src/age/recipients.js";
import { ephemeralKey, x25519PublicKey } from "../../src/age/x25519-recipient.js";
import { requireTool } from "./core-fixtures.js";

interface Key {
  identity: string;
  recipient: string;
}

async function keys(count: number, generate: () => Promise<string>): Promise<Key[]> {
  const out: Key[] = [];
  for (let i = 0; i < count; i++) {
    const identity = await generate();
    out.push({ identity, recipient: await identityToRecipient(identity) });
  }
  return out;
}

// Few keys, reused: typage's pure-JS ML-KEM key generation is what makes post-quantum tests slow.
const classic = keys(3, generateX25519Identity);
const postQuantum = keys(3, generateHybridIdentity);

function seal(plaintext: Uint8Array, to: readonly Key[]): Uint8Array {
  const recipients = nativeRecipients(to.map((k) => k.recipient));
  if (recipients === undefined) throw new Error("this Node cannot encrypt natively");
  return encryptAgeFile(plaintext, recipients);
}

async function openWithTypage(file: Uint8Array, identity: string): Promise<Uint8Array> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  return decrypter.decrypt(file);
}

/** The header's lines with every base64 run replaced by its length: the layout without the random bytes. */
function layoutOf(file: Uint8Array): string[] {
  const text = Buffer.from(file).toString("latin1");
  const header = text.slice(0, text.indexOf("\n", text.indexOf("\n---")));
  return header.split("\n").map((line) => line.replace(/[A-Za-z0-9+/]{16,}/g, (run) => `<${run.length}>`));
}

const CHUNK = 64 * 1024;

describe("native age encryption", () => {
  test("typage's Decrypter opens every file, with each recipient's identity (X25519 and post-quantum, 1-3 recipients)", async () => {
    const sets = [await classic, await postQuantum];
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat({ max: 1 }),
        fc.subarray([0, 1, 2], { minLength: 1 }),
        async (plaintext, type, indexes) => {
          const to = indexes.map((i) => sets[type]?.[i]).filter((k): k is Key => k !== undefined);
          const file = seal(plaintext, to);
          for (const key of to) expect(await openWithTypage(file, key.identity)).toEqual(plaintext);
        },
      ),
      { numRuns: 30 },
    );
  });

  test.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 1])("a %i-byte value opens with typage and has typage's length", async (size) => {
    const plaintext = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
    for (const key of [(await classic)[0], (await postQuantum)[0]]) {
      if (key === undefined) throw new Error("no key");
      const file = seal(plaintext, [key]);
      expect(await openWithTypage(file, key.identity)).toEqual(plaintext);
      const encrypter = new Encrypter();
      encrypter.addRecipient(key.recipient);
      expect(file.length).toBe((await encrypter.encrypt(plaintext)).length);
    }
  });

  test("the header has typage's layout for any recipient set and value", async () => {
    const all = [...(await classic), ...(await postQuantum)];
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), fc.subarray(all, { minLength: 1 }), async (plaintext, to) => {
        const encrypter = new Encrypter();
        for (const key of to) encrypter.addRecipient(key.recipient);
        const theirs = await encrypter.encrypt(plaintext);
        const ours = seal(plaintext, to);
        expect(layoutOf(ours)).toEqual(layoutOf(theirs));
        expect(ours.length).toBe(theirs.length);
      }),
      { numRuns: 15 },
    );
  });

  test("every file has fresh randomness: two seals of one value share no stanza, nonce or ciphertext", async () => {
    const to = [(await classic)[0], (await postQuantum)[0]].filter((k): k is Key => k !== undefined);
    for (const key of to) {
      const plaintext = new TextEncoder().encode("the same value");
      const first = Buffer.from(seal(plaintext, [key]));
      const second = Buffer.from(seal(plaintext, [key]));
      expect(first.equals(second)).toBe(false);
      const [stanzaA, stanzaB] = [first, second].map((file) => file.toString("latin1").split("\n")[1]);
      expect(stanzaA).not.toBe(stanzaB);
      const tail = (file: Buffer): Buffer => file.subarray(file.indexOf("\n", file.indexOf("\n---") + 1) + 1);
      expect(tail(first).subarray(0, 16).equals(tail(second).subarray(0, 16))).toBe(false); // payload nonce
      expect(tail(first).subarray(16).equals(tail(second).subarray(16))).toBe(false);
    }
  });

  test("recipients are parsed once and reused across values", async () => {
    const recipient = (await postQuantum)[0]?.recipient ?? "";
    const [first] = nativeRecipients([recipient]) ?? [];
    const [again] = nativeRecipients([recipient]) ?? [];
    expect(first).toBeDefined();
    expect(again).toBe(first);
  });

  test("a malformed recipient is refused with typage's message, a low-order X25519 key with a clear one", async () => {
    const typageError = (recipient: string): string => {
      try {
        new Encrypter().addRecipient(recipient);
        return "accepted";
      } catch (error) {
        return String(error);
      }
    };
    const flipLast = (text: string): string => text.slice(0, -1) + (text.endsWith("q") ? "p" : "q");
    const x = (await classic)[0]?.recipient ?? "";
    const pq = (await postQuantum)[0]?.recipient ?? "";
    const { bech32 } = await import("@scure/base");
    const wrongLength = bech32.encodeFromBytes("age", new Uint8Array(31));
    for (const bad of [flipLast(x), flipLast(pq), wrongLength, "age1pq1" + x.slice(4)]) {
      const message = typageError(bad);
      expect(message).not.toBe("accepted");
      expect(() => nativeRecipients([bad])).toThrow(message.replace(/^Error: /, ""));
    }
    // The all-zero point is valid bech32 but of low order: the agreement is all zeros, which age refuses.
    const zero = bech32.encodeFromBytes("age", new Uint8Array(32));
    const [lowOrder] = nativeRecipients([zero]) ?? [];
    expect(() => encryptAgeFile(new Uint8Array(1), lowOrder === undefined ? [] : [lowOrder])).toThrow("low-order");
  });

  test.each([true, false])("an ephemeral X25519 key (raw import: %s) is fresh and its share is its public key", (raw) => {
    const first = ephemeralKey(raw);
    const second = ephemeralKey(raw);
    expect(first.share).toHaveLength(32);
    expect(first.share.equals(second.share)).toBe(false);
    const spki = createPublicKey(first.privateKey).export({ format: "der", type: "spki" });
    expect(spki.subarray(spki.length - 32).equals(first.share)).toBe(true);
    // Both ends agree: the share works as the peer key of the other one.
    const ab = diffieHellman({ privateKey: first.privateKey, publicKey: x25519PublicKey(second.share) });
    const ba = diffieHellman({ privateKey: second.privateKey, publicKey: x25519PublicKey(first.share) });
    expect(ab.equals(ba)).toBe(true);
  });

  test("base64 without padding matches @scure/base's, for every length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(base64NoPad(bytes)).toBe(base64nopad.encode(bytes));
      }),
    );
  });

  test("tag recipients and unknown types are left to typage", () => {
    expect(nativeRecipients(["age1tag1qqqq"])).toBeUndefined();
    expect(nativeRecipients(["ssh-ed25519 AAAA"])).toBeUndefined();
  });
});

describe("the age CLI opens natively sealed X25519 files", () => {
  let dir: string;
  beforeAll(() => {
    requireTool("age");
    dir = mkdtempSync(join(tmpdir(), "seal-native-encrypt-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("any value, with the file sealed to 1-3 recipients, opens with `age -d -i` for each", async () => {
    const all = await classic;
    const identityFiles = all.map((key, i) => {
      const path = join(dir, `identity-${i}.txt`);
      writeFileSync(path, `${key.identity}\n`, { mode: 0o600 });
      return path;
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(new Uint8Array(CHUNK), new Uint8Array(CHUNK + 1))),
        fc.subarray([0, 1, 2], { minLength: 1 }),
        async (plaintext, indexes) => {
          const file = seal(plaintext, indexes.map((i) => all[i]).filter((k): k is Key => k !== undefined));
          for (const i of indexes) {
            const opened = execFileSync("age", ["-d", "-i", identityFiles[i] ?? ""], { input: file });
            expect(new Uint8Array(opened)).toEqual(plaintext);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
