// SealRequest (seal.dev/v1alpha1): a key or file operation asked of the controller through the Kubernetes API,
// like a CertificateSigningRequest, so RBAC decides who may ask. Shared by the controller (which fulfils
// requests) and the CLI (which creates them and reads the outcome). Plain types only: no Kubernetes client here.
// docs/REQUESTS.md describes the contract and why it is safe.
//
// Rotate and Retire count only in the controller's own namespace. Verify and Reencrypt are created in the
// namespace of the SealedSecrets they carry (every object's metadata.namespace must equal the request's), so
// whoever may create SealRequests in a namespace may check and re-seal that namespace's files, and no other's.
// An answer never holds a plaintext: Verify answers with key ids and errors, Reencrypt with new ciphertexts.
//
// Size: a request and its answer are one object in etcd (at most ~1.5 MiB), so the CLI batches: at most
// MAX_REQUEST_OBJECTS objects and MAX_REQUEST_BYTES of JSON in spec.objects per request. The controller keeps
// the answer under MAX_ANSWER_BYTES; objects that did not fit come back with `retry: true` (send them again).
//
// Clean-up: the CLI deletes its request once it has read the answer; the controller deletes finished Verify and
// Reencrypt requests spec.ttlSecondsAfterFinished (default DEFAULT_TTL_SECONDS) after completion anyway.
// Rotate and Retire requests are kept: they are the record of who changed the keys.
import type { UnsealReason } from "./errors.js";
import type { SealedSecret } from "./types.js";
import type { BitnamiSealedSecret } from "./bitnami/sealed-secret.js";

export const SEALREQUEST_KIND = "SealRequest";
export const SEALREQUEST_PLURAL = "sealrequests";

/** Most objects one Verify or Reencrypt request may carry (the CRD's maxItems on spec.objects). */
export const MAX_REQUEST_OBJECTS = 100;
/** Most bytes of JSON.stringify(spec.objects) in one request; the CLI starts a new request beyond it. */
export const MAX_REQUEST_BYTES = 512 * 1024;
/** Most bytes of JSON.stringify(status.results) the controller writes; later objects get `retry: true`. */
export const MAX_ANSWER_BYTES = 640 * 1024;
/** Most extra recipients of a Reencrypt (the CRD's maxItems on spec.recipients). */
export const MAX_REQUEST_RECIPIENTS = 16;
/** How long a finished Verify or Reencrypt request stays before the controller deletes it. */
export const DEFAULT_TTL_SECONDS = 900;

export type SealRequestAction = "Rotate" | "Retire" | "Verify" | "Reencrypt" | "Migrate";

export interface SealRequestSpec {
  action: SealRequestAction;
  /** Retire: the key to retire. */
  keyId?: string;
  /** Retire: even while SealedSecrets still use the key. */
  force?: boolean;
  /** Why; recorded in the audit Event. */
  reason?: string;
  /**
   * Verify, Reencrypt: the SealedSecrets (as in the files: apiVersion, kind, metadata, spec), in this namespace.
   * Migrate: Bitnami SealedSecrets (bitnami.com/v1alpha1) as in the files, in this namespace.
   */
  objects?: Array<SealedSecret | BitnamiSealedSecret>;
  /**
   * Reencrypt: extra age recipients every re-sealed value is also sealed to (other clusters, recovery keys).
   * Choosing recipients is as good as reading the values, so the admission policy in manifests/ lets only users
   * who may get Secrets in the namespace set them.
   */
  recipients?: string[];
  /** Verify, Reencrypt, Migrate: seconds after completion the controller deletes the request (default DEFAULT_TTL_SECONDS). */
  ttlSecondsAfterFinished?: number;
}

/** The outcome for objects[index]. */
export interface SealRequestResult {
  index: number;
  /** "namespace/name" of the object, for messages. */
  object: string;
  ok: boolean;
  /** Ids of the keys that opened the values (Verify and Reencrypt). */
  keyIds?: string[];
  /**
   * When !ok: why (as UnsealError.reason; absent when the object was refused without unsealing, e.g. because it
   * is in another namespace than the request) and a one-line message naming the data key; never a value.
   */
  reason?: UnsealReason;
  message?: string;
  /** When !ok: the object was not processed because the answer reached MAX_ANSWER_BYTES; send it again. */
  retry?: boolean;
  /**
   * Reencrypt: data key -> new base64 age file, for the values that were re-sealed (values already sealed to
   * exactly the current keys and the requested recipients are left out, so files change only where needed).
   * Absent when no value of the object needed it. Migrate: every value, sealed in the matching kubectl-seal scope.
   */
  encryptedData?: Record<string, string>;
  /** Reencrypt, Migrate: data key -> key ids the new value is sealed to (spec.sealedTo entries to merge). */
  sealedTo?: Record<string, string[]>;
}

export interface SealRequestStatus {
  phase?: "Complete" | "Failed";
  /** Complete: a summary. Failed: what was wrong with the request as a whole, and what to do. */
  message?: string;
  completionTime?: string;
  /** Rotate: the new current key ids; Retire: the retired id. */
  keyIds?: string[];
  /** Verify, Reencrypt (phase Complete): one entry per object, in order; each says whether that object worked. */
  results?: SealRequestResult[];
}

export interface SealRequest {
  apiVersion: "seal.dev/v1alpha1";
  kind: typeof SEALREQUEST_KIND;
  metadata: { name?: string; generateName?: string; namespace?: string; uid?: string; [field: string]: unknown };
  spec: SealRequestSpec;
  status?: SealRequestStatus;
}
