// An age X25519 identity on node:crypto. typage's own X25519Identity imports the key into WebCrypto again for
// every file; unsealing is the controller's hot path, so this one builds its KeyObject once and unwraps with
// native X25519, HKDF-SHA-256 and ChaCha20-Poly1305, exactly as age-encryption.org/v1 specifies:
//   shared  = X25519(identity, ephemeral share)
//   wrapKey = HKDF-SHA-256(ikm = shared, salt = share || recipient, info = "age-encryption.org/v1/X25519")
//   fileKey = ChaCha20-Poly1305(wrapKey, nonce = 12 zero bytes).open(stanza body)
import { createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from "node:crypto";
import { base64nopad, bech32 } from "@scure/base";
import type { Identity, Stanza } from "age-encryption";

const LABEL = "age-encryption.org/v1/X25519";
// PKCS #8 wrapping of a raw X25519 private key (RFC 8410), the only raw-ish import node:crypto offers.
export const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
// SubjectPublicKeyInfo wrapping of a raw X25519 public key.
export const X25519_SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");
const NONCE = Buffer.alloc(12);

export class NativeX25519Identity implements Identity {
  private readonly privateKey: KeyObject;
  private readonly recipient: Buffer;

  /** @param identity an `AGE-SECRET-KEY-1...` string. */
  constructor(identity: string) {
    const decoded = bech32.decodeToBytes(identity.toLowerCase());
    if (!identity.startsWith("AGE-SECRET-KEY-1") || decoded.prefix !== "age-secret-key-" || decoded.bytes.length !== 32) {
      throw new Error("invalid X25519 identity");
    }
    this.privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, decoded.bytes]), format: "der", type: "pkcs8" });
    const spki = createPublicKey(this.privateKey).export({ format: "der", type: "spki" });
    this.recipient = spki.subarray(X25519_SPKI_PREFIX.length);
  }

  /** The file key, or null when no X25519 stanza is ours. Throws only for a malformed X25519 stanza. */
  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
    for (const stanza of stanzas) {
      if (stanza.args[0] !== "X25519") continue;
      if (stanza.args.length !== 2 || stanza.body.length !== 32) throw new Error("invalid X25519 stanza");
      const share = decodeShare(stanza.args[1] ?? "", 32, "X25519");
      const fileKey = this.unwrap(share, stanza.body);
      if (fileKey !== null) return fileKey;
    }
    return null;
  }

  private unwrap(share: Buffer, body: Uint8Array): Uint8Array | null {
    const peer = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, share]), format: "der", type: "spki" });
    let shared: Buffer;
    try {
      shared = diffieHellman({ privateKey: this.privateKey, publicKey: peer });
    } catch {
      // OpenSSL refuses an all-zero shared secret (a low-order share); age requires aborting on it.
      throw new Error("invalid X25519 stanza: low-order share");
    }
    if (shared.every((b) => b === 0)) throw new Error("invalid X25519 stanza: low-order share");
    const wrapKey = Buffer.from(hkdfSync("sha256", shared, Buffer.concat([share, this.recipient]), LABEL, 32));
    return openStanzaBody(wrapKey, NONCE, body);
  }
}

/** The 16-byte file key in a stanza body (ChaCha20-Poly1305, tag last), or null when the tag does not match. */
export function openStanzaBody(key: Buffer, nonce: Buffer, body: Uint8Array): Uint8Array | null {
  const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(body.subarray(16, 32));
  const fileKey = decipher.update(body.subarray(0, 16));
  try {
    decipher.final();
  } catch {
    return null; // sealed to another recipient: not ours, not an error
  }
  return new Uint8Array(fileKey);
}

/** The base64 share of a stanza, `length` bytes long, or an "invalid <type> stanza" error. */
export function decodeShare(arg: string, length: number, type: string): Buffer {
  let share: Uint8Array;
  try {
    share = base64nopad.decode(arg);
  } catch {
    throw new Error(`invalid ${type} stanza`);
  }
  if (share.length !== length) throw new Error(`invalid ${type} stanza`);
  return Buffer.from(share);
}
