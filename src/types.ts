// The shapes kubectl-seal reads and writes. docs/FORMAT.md is the prose description of the same.

/** API group/version of every kubectl-seal resource. */
export const API_VERSION = "seal.dev/v1alpha1";

/** What a sealed value is bound to; see docs/FORMAT.md "Scope binding". */
export type Scope = "strict" | "namespace" | "cluster";
export const SCOPES: readonly Scope[] = ["strict", "namespace", "cluster"];

/** Key types: age X25519 recipients and age's post-quantum hybrid (ML-KEM-768 + X25519) recipients. */
export type KeyType = "x25519" | "mlkem768x25519";

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** A core/v1 Secret manifest as found in files (data is base64, stringData is plain text). */
export interface SecretManifest {
  apiVersion: "v1";
  kind: "Secret";
  metadata: ObjectMeta;
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** A Secret with its values decoded: what seal() consumes and unseal() returns. */
export interface PlainSecret {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  type?: string;
  immutable?: boolean;
  data: Record<string, Uint8Array>;
}

export interface SealedSecretSpec {
  scope: Scope;
  /** Secret data key -> base64 of a binary age v1 file whose plaintext is binding line + value. */
  encryptedData: Record<string, string>;
  /** Secret data key -> ids of the keys (recipients) that value was sealed to: a hint, not trusted. */
  sealedTo?: Record<string, string[]>;
  template?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    type?: string;
    immutable?: boolean;
  };
}

export interface Condition {
  type: "Ready" | "Synced";
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface SealedSecretStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** Ids of the keys that opened the values on the last successful unseal. */
  keyIds?: string[];
  /** resourceVersion of the Secret as the controller's last recorded write left it (audit across crashes). */
  secretResourceVersion?: string;
}

export interface SealedSecret {
  apiVersion: typeof API_VERSION;
  kind: "SealedSecret";
  metadata: ObjectMeta;
  spec: SealedSecretSpec;
  status?: SealedSecretStatus;
}

/** The public half of one sealing key, as published in a key bundle. */
export interface PublicKey {
  /** Derived from the recipient: see keyIdOf() in keys.ts. */
  id: string;
  type: KeyType;
  /** age recipient string, age1... or age1pq1... */
  recipient: string;
  /** RFC 3339 times. A key past `expires` is still good for unsealing but no longer for sealing. */
  created: string;
  expires?: string;
}

/** A private sealing key: the age identity string plus its public description. */
export interface PrivateKey extends PublicKey {
  /** AGE-SECRET-KEY-1... or AGE-SECRET-KEY-PQ-1... Never logged, never in an error. */
  identity: string;
}

/** The signed public key bundle a cluster (or an offline key set) publishes. */
export interface KeyBundle {
  apiVersion: typeof API_VERSION;
  kind: "KeyBundle";
  /** Base64 Ed25519 public key of the long-lived identity that signs the bundle. */
  signer: string;
  /** RFC 3339 time the bundle was issued. */
  issued: string;
  /** Keys to seal to, newest first. */
  keys: PublicKey[];
  /** Base64 Ed25519 signature over bundleSigningBytes(); see docs/FORMAT.md. */
  signature: string;
}
