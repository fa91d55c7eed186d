// Opening one sealed value with the private keys: the CPU-heavy step of unsealing (a key agreement per stanza and
// key), kept apart from the rest of unseal.ts so the controller's unseal threads (controller/unseal-worker.ts) load
// only this and node:crypto: typage (age-encryption) cost each thread ~10 MiB more (28 MiB, now ~18), so it is loaded only for
// the one case that needs it (post-quantum keys without ML-KEM in node:crypto). Openers are cached per key.
import type { Decrypter } from "age-encryption";
import { NO_MATCH, openAgeFile } from "./decrypt.js";
import { NativeHybridIdentity, nativeHybridAvailable } from "./hybrid-identity.js";
import { NativeX25519Identity } from "./x25519-identity.js";
import type { PrivateKey } from "../types.js";

const CACHE_LIMIT = 256;

/** Opens one age file with one key: the plaintext, or Error(NO_MATCH) when the file has no stanza for the key. */
type Opener = (file: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** key id -> opener holding that one key, built once; the identity string guards against a reused id. */
const openers = new Map<string, { identity: string; open: Opener }>();

function openerFor(key: PrivateKey): Opener {
  const cached = openers.get(key.id);
  if (cached !== undefined && cached.identity === key.identity) return cached.open;
  // Both key types through node:crypto, whole files too (native X25519 and ML-KEM-768, src/age/decrypt.ts): typage's
  // own identities and Decrypter are several times slower (WebCrypto import per file, pure-JS ML-KEM, Web Streams);
  // test/unit/age-*.test.ts cross-check them against typage. Without ML-KEM in node:crypto, typage it is.
  let open: Opener;
  if (key.type === "x25519" || nativeHybridAvailable) {
    const identity = key.type === "x25519" ? new NativeX25519Identity(key.identity) : new NativeHybridIdentity(key.identity);
    open = (file) => openAgeFile(file, identity);
  } else {
    let decrypter: Promise<Decrypter> | undefined;
    open = async (file) => {
      decrypter ??= import("age-encryption").then(({ Decrypter }) => {
        const d = new Decrypter();
        d.addIdentity(key.identity);
        return d;
      });
      return (await decrypter).decrypt(file);
    };
  }
  if (openers.size >= CACHE_LIMIT) openers.clear();
  openers.set(key.id, { identity: key.identity, open });
  return open;
}

/**
 * Opens one value with the first of `keys` that has a stanza in it: the plaintext and that key's id, or undefined
 * when none does. Throws (any Error) when a key's stanza is there but the bytes fail authentication. The CPU-heavy
 * step of unsealing (one key agreement per stanza and key), so the controller runs it on worker threads.
 */
export type ValueOpener = (file: Uint8Array, keys: readonly PrivateKey[]) => Promise<OpenedValue | undefined>;
export interface OpenedValue {
  plaintext: Uint8Array;
  keyId: string;
}

/** The ValueOpener that runs here, on the calling thread. */
export async function openValue(file: Uint8Array, keys: readonly PrivateKey[]): Promise<OpenedValue | undefined> {
  for (const key of keys) {
    try {
      return { plaintext: await openerFor(key)(file), keyId: key.id };
    } catch (cause) {
      if (cause instanceof Error && cause.message === NO_MATCH) continue;
      throw cause;
    }
  }
  return undefined;
}

