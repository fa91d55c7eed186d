// SealRequest (seal.dev/v1alpha1): a key or file operation asked of the controller through the Kubernetes API,
// like a CertificateSigningRequest, so RBAC decides who may ask. Shared by the controller (which fulfils
// requests) and the CLI (which creates them and reads the outcome). Plain types only: no Kubernetes client here.
//
// Rotate and Retire count only in the controller's own namespace. Verify and Reencrypt are created in the
// namespace of the SealedSecrets they carry (every object's metadata.namespace must equal the request's), so
// whoever may create SealRequests in a namespace may check and re-seal that namespace's files, and no other's.
// An answer never holds a plaintext: Verify answers with key ids and errors, Reencrypt with new ciphertexts.
import type { UnsealReason } from "./errors.js";
import type { SealedSecret } from "./types.js";

export const SEALREQUEST_KIND = "SealRequest";
export const SEALREQUEST_PLURAL = "sealrequests";

export type SealRequestAction = "Rotate" | "Retire" | "Verify" | "Reencrypt";

export interface SealRequestSpec {
  action: SealRequestAction;
  /** Retire: the key to retire. */
  keyId?: string;
  /** Retire: even while SealedSecrets still use the key. */
  force?: boolean;
  /** Why; recorded in the audit Event. */
  reason?: string;
  /** Verify, Reencrypt: the SealedSecrets (as in the files: apiVersion, kind, metadata, spec), in this namespace. */
  objects?: SealedSecret[];
  /** Reencrypt: extra age recipients every re-sealed value is also sealed to (other clusters, recovery keys). */
  recipients?: string[];
}

/** The outcome for objects[index]. */
export interface SealRequestResult {
  index: number;
  /** "namespace/name" of the object, for messages. */
  object: string;
  ok: boolean;
  /** Ids of the keys that opened the values (Verify and Reencrypt). */
  keyIds?: string[];
  /** When !ok: why (as UnsealError.reason) and a one-line message naming the data key; never a value. */
  reason?: UnsealReason;
  message?: string;
  /**
   * Reencrypt: data key -> new base64 age file, for the values that were re-sealed (values already sealed to
   * exactly the current keys and the requested recipients are left out, so files change only where needed).
   */
  encryptedData?: Record<string, string>;
  /** Reencrypt: data key -> key ids the new value is sealed to (spec.sealedTo entries to merge). */
  sealedTo?: Record<string, string[]>;
}

export interface SealRequestStatus {
  phase?: "Complete" | "Failed";
  message?: string;
  completionTime?: string;
  /** Rotate: the new current key ids; Retire: the retired id. */
  keyIds?: string[];
  /** Verify, Reencrypt: one entry per object, in order. */
  results?: SealRequestResult[];
}

export interface SealRequest {
  apiVersion: "seal.dev/v1alpha1";
  kind: typeof SEALREQUEST_KIND;
  metadata: { name?: string; generateName?: string; namespace?: string; uid?: string; [field: string]: unknown };
  spec: SealRequestSpec;
  status?: SealRequestStatus;
}
