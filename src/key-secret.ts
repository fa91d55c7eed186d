// The key Secret format: the controller's keys as Secrets in its own namespace, read by the controller (key-store)
// and by the CLI (keys backup and restore). Everything a human needs to find, back up and restore them is on the
// object: the label `seal.dev/key: sealing|signer` selects them all
// (`kubectl get secret -l seal.dev/key -o yaml > backup.yaml`), annotations carry the public facts (id, type,
// recipient, created, expires, generation, state) so listing needs no decoding, and `data` holds the private half.
// Key Secrets are immutable: key material is written once; only annotations (state, unrecorded) ever change.
// Plain data in, plain data out: no Kubernetes client here (src/ stays free of it).
import { keyIdOf } from "./keys.js";
import type { KeyType, PrivateKey } from "./types.js";

/** The fields of a Secret this format reads (a client-node V1Secret fits). */
export interface SecretObject {
  metadata?: { name?: string; uid?: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

export const KEY_LABEL = "seal.dev/key";
export const KEY_TYPES: readonly KeyType[] = ["mlkem768x25519", "x25519"];
export const SIGNER_SECRET = "kubectl-seal-signer";

export const ANNOTATION = {
  id: "seal.dev/key-id",
  type: "seal.dev/key-type",
  recipient: "seal.dev/recipient",
  created: "seal.dev/created",
  expires: "seal.dev/expires",
  generation: "seal.dev/generation",
  state: "seal.dev/state",
  /** Set in the same write as a key change, removed once its Event is written: a crash in between leaves it. */
  unrecorded: "seal.dev/unrecorded",
} as const;

/** The key change a key Secret's `seal.dev/unrecorded` annotation names: its audit record is still owed. */
export type UnrecordedChange = "KeyGenerated" | "KeyRetired";

/**
 * active: held for unsealing (the newest active key of each type is also the one to seal to);
 * retired: an admin retired it; kept as a Secret (delete it by hand once it is backed up) but no longer used.
 */
export type KeyState = "active" | "retired";

export interface StoredKey {
  secretName: string;
  uid: string;
  /** Orders keys of one type: the highest active generation is the current sealing key. */
  generation: number;
  state: KeyState;
  key: PrivateKey;
  /** A change whose audit record a crash may have cut off (the controller records it, then clears the mark). */
  unrecorded?: UnrecordedChange;
}

export interface StoredSigner {
  secretName: string;
  uid: string;
  /** Base64 Ed25519 public key. */
  publicKey: string;
  secretKey: Uint8Array;
  unrecorded?: UnrecordedChange;
}

export const KEY_SECRET_LABELS = { "app.kubernetes.io/name": "kubectl-seal", "app.kubernetes.io/component": "keys" };

/** A StoredKey, or a short description of what is wrong (names only, no key material). */
export function parseKeySecret(secret: SecretObject): StoredKey | string {
  const meta = secret.metadata ?? {};
  const a = meta.annotations ?? {};
  const type = a[ANNOTATION.type];
  if (type === undefined || !(KEY_TYPES as readonly string[]).includes(type)) return `unknown key type annotation ${ANNOTATION.type}`;
  const recipient = a[ANNOTATION.recipient];
  const id = a[ANNOTATION.id];
  if (recipient === undefined || id === undefined) return `missing ${ANNOTATION.recipient} or ${ANNOTATION.id} annotation`;
  if (keyIdOf(recipient) !== id) return `${ANNOTATION.id} does not match ${ANNOTATION.recipient}`;
  const created = a[ANNOTATION.created];
  if (created === undefined || Number.isNaN(Date.parse(created))) return `missing or invalid ${ANNOTATION.created} annotation`;
  const generation = Number(a[ANNOTATION.generation] ?? "0");
  if (!Number.isSafeInteger(generation) || generation < 0) return `invalid ${ANNOTATION.generation} annotation`;
  const identity = decoded(secret, "identity");
  if (identity === undefined || !identity.startsWith("AGE-SECRET-KEY-")) return "data.identity is missing or not an age identity";
  const expires = a[ANNOTATION.expires];
  return {
    secretName: meta.name ?? "",
    uid: meta.uid ?? "",
    generation,
    state: a[ANNOTATION.state] === "retired" ? "retired" : "active",
    key: { id, type: type as KeyType, recipient, created, ...(expires === undefined ? {} : { expires }), identity },
    ...unrecordedOf(a),
  };
}

function unrecordedOf(annotations: Record<string, string>): { unrecorded?: UnrecordedChange } {
  const change = annotations[ANNOTATION.unrecorded];
  return change === "KeyGenerated" || change === "KeyRetired" ? { unrecorded: change } : {};
}

export function parseSignerSecret(secret: SecretObject): StoredSigner {
  const publicKey = decoded(secret, "publicKey");
  const secretKey = secret.data?.secretKey;
  if (publicKey === undefined || secretKey === undefined) {
    throw new Error(`signer Secret ${SIGNER_SECRET} lacks data.publicKey or data.secretKey: restore it from a backup`);
  }
  return {
    secretName: secret.metadata?.name ?? SIGNER_SECRET,
    uid: secret.metadata?.uid ?? "",
    publicKey,
    secretKey: new Uint8Array(Buffer.from(secretKey, "base64")),
    ...unrecordedOf(secret.metadata?.annotations ?? {}),
  };
}

function decoded(secret: SecretObject, field: string): string | undefined {
  const value = secret.data?.[field];
  return value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");
}
