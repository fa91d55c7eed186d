// Signing key bundles (the cluster's controller and `kubectl seal keys generate`): the Ed25519 identity is made
// and used with tweetnacl. Kept apart from bundle.ts, which only checks bundles, so that sealing, which checks one
// on every run, does not load tweetnacl.
import nacl from "tweetnacl";
import { encodeBase64 } from "./base64.js";
import { bundleSigningBytes } from "./bundle.js";
import { BundleError } from "./errors.js";
import { publicKeyOf } from "./keys.js";
import { API_VERSION, type KeyBundle, type PublicKey } from "./types.js";

export interface Signer {
  /** Base64 Ed25519 public key (32 bytes). */
  publicKey: string;
  /** tweetnacl secret key (64 bytes: seed + public key). Never logged. */
  secretKey: Uint8Array;
}

export function generateSigner(): Signer {
  const pair = nacl.sign.keyPair();
  return { publicKey: encodeBase64(pair.publicKey), secretKey: pair.secretKey };
}

export function signBundle(keys: readonly PublicKey[], signerSecretKey: Uint8Array, issued: string = new Date().toISOString()): KeyBundle {
  if (signerSecretKey.length !== nacl.sign.secretKeyLength) {
    throw new BundleError("the signing key is not a 64-byte Ed25519 secret key", "use the identity made by generateSigner()");
  }
  const signer = encodeBase64(nacl.sign.keyPair.fromSecretKey(signerSecretKey).publicKey);
  const unsigned = { signer, issued, keys: keys.map(publicKeyOf) };
  const signature = encodeBase64(nacl.sign.detached(bundleSigningBytes(unsigned), signerSecretKey));
  return { apiVersion: API_VERSION, kind: "KeyBundle", ...unsigned, signature };
}
