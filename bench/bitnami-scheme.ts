// Bitnami Sealed Secrets' value format (pkg/crypto/crypto.go, HybridEncrypt/HybridDecrypt in v0.40.0), composed from
// node:crypto: a 2-byte big-endian length, RSA-OAEP(SHA-256, label) of a fresh 32-byte session key, then the value
// under AES-256-GCM with that key and a zero nonce (tag appended). The benchmark seals the real controller's inputs
// with it (thousands of objects; kubeseal would cost a process each) and measures its open as the crypto-only reference.
import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from "node:crypto";

const ZERO_NONCE = Buffer.alloc(12);
const TAG_BYTES = 16;

/** The OAEP label of the strict scope (Bitnami's default): "namespace/name". */
export function strictLabel(namespace: string, name: string): Buffer {
  return Buffer.from(`${namespace}/${name}`);
}

function oaep(key: KeyObject, label: Buffer) {
  return { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: label };
}

export function hybridEncrypt(publicKey: KeyObject, label: Buffer, plaintext: Buffer): Buffer {
  const session = randomBytes(32);
  const wrapped = publicEncrypt(oaep(publicKey, label), session);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(wrapped.length);
  const cipher = createCipheriv("aes-256-gcm", session, ZERO_NONCE);
  return Buffer.concat([length, wrapped, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

export function hybridDecrypt(privateKey: KeyObject, label: Buffer, ciphertext: Buffer): Buffer {
  const end = 2 + ciphertext.readUInt16BE(0);
  const session = privateDecrypt(oaep(privateKey, label), ciphertext.subarray(2, end));
  const decipher = createDecipheriv("aes-256-gcm", session, ZERO_NONCE);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  return Buffer.concat([decipher.update(ciphertext.subarray(end, ciphertext.length - TAG_BYTES)), decipher.final()]);
}
