// Bitnami Sealed Secrets' value format (pkg/crypto/crypto.go, HybridEncrypt/HybridDecrypt in v0.40.0), composed from
// node:crypto: a 2-byte big-endian length, RSA-OAEP(SHA-256, label) of a fresh 32-byte session key, then the value
// under AES-256-GCM with that key and a zero nonce (tag appended). The benchmark seals the real controller's inputs
// with it (thousands of objects; kubeseal would cost a process each); its open, the crypto-only reference, is
// src/bitnami/crypto.ts's bitnamiDecrypt, the one `kubectl seal migrate` uses.
import { constants, createCipheriv, publicEncrypt, randomBytes, type KeyObject } from "node:crypto";

const ZERO_NONCE = Buffer.alloc(12);

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
