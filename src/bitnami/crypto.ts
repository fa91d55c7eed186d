// Bitnami Sealed Secrets' value encryption, decryption side only: `kubectl seal migrate` has the controller open
// Bitnami-sealed values once, to seal them again with age. Composed from node:crypto primitives exactly as
// Bitnami's pkg/crypto/crypto.go (HybridDecrypt) does; docs/FORMAT.md section 11 describes the bytes:
//
//   uint16 big-endian n || RSA-OAEP(SHA-256, label) of a 32-byte session key (n bytes) || AES-256-GCM(value)
//
// AES-GCM uses an all-zero 12-byte nonce (each session key encrypts one value), no additional data, and a 16-byte
// tag at the end. The OAEP label is what binds a value to its place (src/bitnami/sealed-secret.ts, labelOf).
import { constants, createDecipheriv, createPrivateKey, privateDecrypt, type KeyObject } from "node:crypto";

const SESSION_KEY_BYTES = 32;
const GCM_NONCE = Buffer.alloc(12);
const GCM_TAG_BYTES = 16;

/** Why a Bitnami ciphertext did not open: `no-key` covers a wrong key and a wrong label alike (OAEP cannot tell). */
export type BitnamiFailure = "too-short" | "no-key" | "tampered";

export class BitnamiDecryptError extends Error {
  constructor(readonly failure: BitnamiFailure) {
    super(failure === "too-short" ? "ciphertext too short" : failure === "no-key" ? "no key opens it" : "authentication failed");
    this.name = "BitnamiDecryptError";
  }
}

/** One of Bitnami's RSA sealing keys (a Secret labelled sealedsecrets.bitnami.com/sealed-secrets-key). */
export interface BitnamiKey {
  /** Where it came from, for logs ("kube-system/sealed-secrets-keyabcde"); never key material. */
  name: string;
  key: KeyObject;
}

/** The private key of a Bitnami key Secret's `tls.key` (PEM, PKCS#1 or PKCS#8); throws on anything else. */
export function parseBitnamiKey(name: string, pem: Uint8Array): BitnamiKey {
  const key = createPrivateKey({ key: Buffer.from(pem), format: "pem" });
  if (key.asymmetricKeyType !== "rsa") throw new Error(`${name}: tls.key is not an RSA key`);
  return { name, key };
}

/** Bitnami's HybridDecrypt: the value, opened with the first key that unwraps the session key under `label`. */
export function bitnamiDecrypt(keys: readonly BitnamiKey[], ciphertext: Uint8Array, label: Uint8Array): { value: Uint8Array; key: BitnamiKey } {
  const bytes = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength);
  if (bytes.length < 2) throw new BitnamiDecryptError("too-short");
  const rsaLength = bytes.readUInt16BE(0);
  if (bytes.length < 2 + rsaLength + GCM_TAG_BYTES) throw new BitnamiDecryptError("too-short");
  const wrapped = bytes.subarray(2, 2 + rsaLength);
  const sealed = bytes.subarray(2 + rsaLength);
  for (const candidate of keys) {
    let session: Buffer;
    try {
      session = privateDecrypt({ key: candidate.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: Buffer.from(label) }, wrapped);
    } catch {
      continue; // another key, or another label: Bitnami tries every key the same way
    }
    try {
      if (session.length !== SESSION_KEY_BYTES) throw new BitnamiDecryptError("tampered");
      const decipher = createDecipheriv("aes-256-gcm", session, GCM_NONCE);
      decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
      const value = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)), decipher.final()]);
      return { value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength), key: candidate };
    } catch {
      throw new BitnamiDecryptError("tampered"); // the session key unwrapped, so the body was changed
    } finally {
      session.fill(0);
    }
  }
  throw new BitnamiDecryptError("no-key");
}
