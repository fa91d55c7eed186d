// Key bundles: the public side of a key set, signed with a long-lived Ed25519 identity so a client can trust a
// bundle it did not fetch itself. Signed bytes (docs/FORMAT.md "Key bundle"):
//   "seal.dev/v1alpha1 key bundle\n" + JSON.stringify({ signer, issued, keys: [{ id, type, recipient, created, expires }] })
// with exactly that key order and `expires: null` for a key without expiry. Checking a bundle needs only
// node:crypto; signing one (bundle-sign.ts) uses tweetnacl, which `kubectl seal` therefore never loads.
import { createHash, createPublicKey, verify } from "node:crypto";
import { decodeBase64 } from "./base64.js";
import { BundleError } from "./errors.js";
import { keyIdOf, keyTypeOf } from "./keys.js";
import { API_VERSION, type KeyBundle, type PublicKey } from "./types.js";

const DOMAIN = `${API_VERSION} key bundle\n`;
/** Ed25519 sizes (RFC 8032): tweetnacl's nacl.sign.publicKeyLength and signatureLength. */
const ED25519_PUBLIC_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;

/** The exact bytes a bundle signature covers. */
export function bundleSigningBytes(bundle: Pick<KeyBundle, "signer" | "issued" | "keys">): Uint8Array {
  const keys = bundle.keys.map((k) => ({ id: k.id, type: k.type, recipient: k.recipient, created: k.created, expires: k.expires ?? null }));
  return new TextEncoder().encode(DOMAIN + JSON.stringify({ signer: bundle.signer, issued: bundle.issued, keys }));
}

/** "SHA256:" + unpadded base64 of SHA-256 over the raw 32-byte public key, like ssh-keygen -l. */
export function fingerprintOf(signerPublicKey: string): string {
  const raw = decodeBase64(signerPublicKey);
  if (raw?.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new BundleError("the signer is not a base64 Ed25519 public key", "check the pinned signer value");
  }
  return `SHA256:${createHash("sha256").update(raw).digest("base64").replace(/=+$/, "")}`;
}

/**
 * A verified bundle from a parsed document. Checks shape, the pinned signer (if given), the signature and that
 * every key id is the one derived from its recipient. Any failure is a BundleError saying what to do.
 */
export function verifyBundle(doc: unknown, pinnedSigner?: string): KeyBundle {
  const bundle = bundleShape(doc);
  const signer = decodeBase64(bundle.signer);
  if (signer?.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new BundleError("key bundle: signer is not a base64 Ed25519 public key", "fetch the bundle again");
  }
  if (pinnedSigner !== undefined && pinnedSigner !== bundle.signer) {
    throw new BundleError(
      `key bundle is signed by ${fingerprintOf(bundle.signer)}, not by the pinned ${fingerprintOf(pinnedSigner)}`,
      "someone may be impersonating the cluster; if the cluster's identity key was really replaced, pin the new one",
    );
  }
  const signature = decodeBase64(bundle.signature);
  if (signature?.length !== ED25519_SIGNATURE_BYTES || !verifyEd25519(bundleSigningBytes(bundle), signature, signer)) {
    throw new BundleError(
      `key bundle signed by ${fingerprintOf(bundle.signer)} has an invalid signature`,
      "the bundle was altered after signing; fetch it again from the cluster",
    );
  }
  for (const key of bundle.keys) {
    if (keyIdOf(key.recipient) !== key.id) {
      throw new BundleError(`key bundle: key id ${key.id} does not match its recipient`, "the bundle was built wrongly; fetch it again");
    }
  }
  return bundle;
}

/** Ed25519 verification by node:crypto: the same check as tweetnacl's, ~25 ms faster on a cold CLI start. */
function verifyEd25519(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(publicKey).toString("base64url") }, format: "jwk" });
    return verify(null, message, key, signature);
  } catch {
    return false; // 32 bytes that are not a point on the curve: no signature verifies
  }
}

function bundleShape(doc: unknown): KeyBundle {
  const fail = (problem: string): never => {
    throw new BundleError(`key bundle ${problem}`, "pass the bundle.yaml published by the cluster or made by `kubectl seal keys generate`");
  };
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return fail("is not an object");
  const d = doc as Record<string, unknown>;
  if (d["apiVersion"] !== API_VERSION || d["kind"] !== "KeyBundle") return fail(`is not a ${API_VERSION} KeyBundle`);
  for (const field of ["signer", "issued", "signature"]) {
    if (typeof d[field] !== "string") return fail(`has no ${field}`);
  }
  if (!Array.isArray(d["keys"])) return fail("has no keys list");
  const keys = (d["keys"] as unknown[]).map((k, i): PublicKey => {
    const key = (typeof k === "object" && k !== null ? k : {}) as Record<string, unknown>;
    for (const field of ["id", "type", "recipient", "created"]) {
      if (typeof key[field] !== "string") return fail(`key ${i + 1} has no ${field}`);
    }
    if (key["expires"] !== undefined && key["expires"] !== null && typeof key["expires"] !== "string") return fail(`key ${i + 1} has a bad expires`);
    const recipient = key["recipient"] as string;
    let type;
    try {
      type = keyTypeOf(recipient);
    } catch {
      return fail(`key ${i + 1} has an invalid recipient`);
    }
    if (key["type"] !== type) return fail(`key ${i + 1} says type ${String(key["type"])} but its recipient is ${type}`);
    const out: PublicKey = { id: key["id"] as string, type, recipient, created: key["created"] as string };
    if (typeof key["expires"] === "string") out.expires = key["expires"];
    return out;
  });
  return {
    apiVersion: API_VERSION,
    kind: "KeyBundle",
    signer: d["signer"] as string,
    issued: d["issued"] as string,
    keys,
    signature: d["signature"] as string,
  };
}
