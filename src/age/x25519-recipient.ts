// An age X25519 recipient (`age1...`) on node:crypto, for sealing: the counterpart of x25519-identity.ts. typage's
// X25519Recipient imports keys into WebCrypto for every file; this parses the recipient once and wraps with native
// X25519, HKDF-SHA-256 and ChaCha20-Poly1305, as age-encryption.org/v1 specifies:
//   ephemeral = a fresh X25519 key per file; share = its public key
//   shared    = X25519(ephemeral, recipient)
//   wrapKey   = HKDF-SHA-256(ikm = shared, salt = share || recipient, info = "age-encryption.org/v1/X25519")
//   stanza    = "-> X25519 base64(share)", body = ChaCha20-Poly1305(wrapKey, nonce = 12 zero bytes).seal(fileKey)
import { createCipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import { bech32 } from "@scure/base";
import { base64NoPad, type SyncRecipient, type WrappedFileKey } from "./encrypt.js";
import { X25519_SPKI_PREFIX } from "./x25519-identity.js";

const LABEL = "age-encryption.org/v1/X25519";
const NONCE = Buffer.alloc(12);

export class NativeX25519Recipient implements SyncRecipient {
  private readonly publicKey: KeyObject;
  private readonly recipient: Buffer;

  /** @param recipient an `age1...` string. */
  constructor(recipient: string) {
    const decoded = decodeRecipient(recipient);
    this.recipient = decoded;
    this.publicKey = x25519PublicKey(decoded);
  }

  wrapFileKey(fileKey: Uint8Array): WrappedFileKey[] {
    const { share, shared } = x25519Agreement(this.publicKey);
    const wrapKey = Buffer.from(hkdfSync("sha256", shared, Buffer.concat([share, this.recipient]), LABEL, 32));
    return [{ args: ["X25519", base64NoPad(share)], body: sealFileKey(wrapKey, NONCE, fileKey) }];
  }
}

/** The 32-byte key; throws what typage's X25519Recipient throws (bech32's own message for a bad checksum). */
function decodeRecipient(recipient: string): Buffer {
  const decoded = bech32.decodeToBytes(recipient);
  if (!recipient.startsWith("age1") || decoded.prefix.toLowerCase() !== "age" || decoded.bytes.length !== 32) throw new Error("invalid recipient");
  return Buffer.from(decoded.bytes);
}

/** A KeyObject for a raw 32-byte X25519 public key. */
export function x25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

/** A fresh ephemeral key's public share and its X25519 agreement with `peer`; refuses a low-order peer, as age does. */
export function x25519Agreement(peer: KeyObject): { share: Buffer; shared: Buffer } {
  const ephemeral = ephemeralKey();
  try {
    // OpenSSL refuses an all-zero result, which only a low-order (malicious or broken) recipient key gives.
    return { share: ephemeral.share, shared: diffieHellman({ privateKey: ephemeral.privateKey, publicKey: peer }) };
  } catch {
    throw new Error("invalid recipient: its X25519 key is a low-order point");
  }
}

// Raw key import and export (Node >= 24.9) make an ephemeral key in ~40% less time than generateKeyPairSync and
// a DER export: one is made for every value and recipient sealed.
const rawKeys = (() => {
  try {
    createPrivateKey({ key: Buffer.alloc(32, 1), format: "raw-private", asymmetricKeyType: "x25519" });
    return true;
  } catch {
    return false;
  }
})();

/** A fresh X25519 key and its public share; `raw` picks the construction (both are tested). */
export function ephemeralKey(raw = rawKeys): { privateKey: KeyObject; share: Buffer } {
  if (raw) {
    const privateKey = createPrivateKey({ key: randomBytes(32), format: "raw-private", asymmetricKeyType: "x25519" });
    return { privateKey, share: createPublicKey(privateKey).export({ format: "raw-public" }) };
  }
  const pair = generateKeyPairSync("x25519");
  return { privateKey: pair.privateKey, share: pair.publicKey.export({ format: "der", type: "spki" }).subarray(X25519_SPKI_PREFIX.length) };
}

/** ChaCha20-Poly1305 of the 16-byte file key: ciphertext || tag, the 32-byte stanza body. */
export function sealFileKey(key: Buffer, nonce: Buffer, fileKey: Uint8Array): Buffer {
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  return Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()]);
}
