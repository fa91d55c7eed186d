// Bitnami SealedSecrets (bitnami.com/v1alpha1) as `kubectl seal migrate` reads them, and the kubectl-seal
// SealedSecret each one becomes. Shared by the CLI (which finds and rewrites the files) and the controller (which
// opens the values): both must agree on the scope and the label. docs/FORMAT.md section 11 has the rules.
//
// Scope, as Bitnami's controller reads it when unsealing: from the SealedSecret's own metadata.annotations,
// cluster-wide winning over namespace-wide, strict otherwise. The RSA-OAEP label follows from it:
//   strict "namespace/name", namespace-wide "namespace", cluster-wide "" (empty).
import { getOwn, isRecord, setOwn } from "../records.js";
import { isDataKey } from "../names.js";
import { KUBESEAL_SCOPES } from "../scope.js";
import { API_VERSION, type ObjectMeta, type Scope, type SealedSecret, type SealedSecretSpec } from "../types.js";

export const BITNAMI_API_VERSION = "bitnami.com/v1alpha1";
export const NAMESPACE_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/namespace-wide";
export const CLUSTER_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/cluster-wide";
/** Label of Bitnami's key Secrets (its controller's namespace, default kube-system). */
export const BITNAMI_KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";

export type BitnamiScope = "strict" | "namespace-wide" | "cluster-wide";

export interface BitnamiSealedSecret {
  apiVersion: typeof BITNAMI_API_VERSION;
  kind: "SealedSecret";
  metadata: ObjectMeta;
  spec: {
    encryptedData: Record<string, string>;
    template?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
      type?: string;
      immutable?: boolean;
      data?: Record<string, string>;
    };
    data?: string;
  };
}


export function isBitnamiSealedSecret(object: unknown): boolean {
  return isRecord(object) && object["apiVersion"] === BITNAMI_API_VERSION && object["kind"] === "SealedSecret";
}

/** Why `object` cannot be migrated, or undefined when it can (the check both the CLI and the controller make). */
export function bitnamiProblem(object: unknown): string | undefined {
  if (!isBitnamiSealedSecret(object)) return `is not a ${BITNAMI_API_VERSION} SealedSecret`;
  const { metadata, spec } = object as Record<string, unknown>;
  if (!isRecord(metadata) || typeof metadata["name"] !== "string" || metadata["name"] === "") return "has no metadata.name";
  if (typeof metadata["namespace"] !== "string" || metadata["namespace"] === "") return "has no metadata.namespace";
  if (!isRecord(spec)) return "has no spec";
  if (spec["data"] !== undefined) return "uses the deprecated spec.data (one blob for all values), which only Bitnami's own controller reads";
  const encrypted = spec["encryptedData"];
  if (!isRecord(encrypted) || Object.keys(encrypted).length === 0) return "has no spec.encryptedData values";
  for (const [key, value] of Object.entries(encrypted)) {
    if (!isDataKey(key)) return `has an invalid data key ${JSON.stringify(key)} in spec.encryptedData`;
    if (typeof value !== "string") return `has a spec.encryptedData.${key} that is not a string`;
  }
  const template = spec["template"];
  if (template !== undefined && !isRecord(template)) return "has a spec.template that is not a map";
  if (isRecord(template) && isRecord(template["data"]) && Object.keys(template["data"]).length > 0) {
    return "uses spec.template.data (Bitnami's value templates), which kubectl-seal does not have";
  }
  return undefined;
}

export function bitnamiScopeOf(sealed: BitnamiSealedSecret): BitnamiScope {
  const annotations = sealed.metadata.annotations ?? {};
  if (getOwn(annotations, CLUSTER_WIDE_ANNOTATION) === "true") return "cluster-wide";
  if (getOwn(annotations, NAMESPACE_WIDE_ANNOTATION) === "true") return "namespace-wide";
  return "strict";
}

export function migratedScope(sealed: BitnamiSealedSecret): Scope {
  const scope = bitnamiScopeOf(sealed);
  return scope === "strict" ? "strict" : (getOwn(KUBESEAL_SCOPES, scope) ?? "strict");
}

/** The RSA-OAEP label every value of `sealed` was encrypted under (Bitnami's EncryptionLabel). */
export function bitnamiLabel(sealed: BitnamiSealedSecret): Uint8Array {
  const { namespace = "", name = "" } = sealed.metadata;
  const scope = bitnamiScopeOf(sealed);
  return new TextEncoder().encode(scope === "cluster-wide" ? "" : scope === "namespace-wide" ? namespace : `${namespace}/${name}`);
}

/**
 * The kubectl-seal SealedSecret replacing `sealed`: same name, namespace, labels and annotations (less Bitnami's
 * scope annotations, which mean nothing here), the matching scope, the template's labels, annotations, type and
 * immutable kept as they are (so the Secret comes out exactly as Bitnami's controller wrote it), and the new values.
 */
export function migratedSealedSecret(sealed: BitnamiSealedSecret, values: { encryptedData: Record<string, string>; sealedTo: Record<string, string[]> }): SealedSecret {
  const metadata: ObjectMeta = { name: sealed.metadata.name, namespace: sealed.metadata.namespace };
  const labels = sealed.metadata.labels;
  if (isRecord(labels) && Object.keys(labels).length > 0) metadata.labels = { ...labels };
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(sealed.metadata.annotations ?? {})) {
    if (key !== NAMESPACE_WIDE_ANNOTATION && key !== CLUSTER_WIDE_ANNOTATION) setOwn(annotations, key, value);
  }
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;

  const spec: SealedSecretSpec = { scope: migratedScope(sealed), encryptedData: values.encryptedData, sealedTo: values.sealedTo };
  const from = sealed.spec.template ?? {};
  const template: NonNullable<SealedSecretSpec["template"]> = {};
  const templateMeta: NonNullable<NonNullable<SealedSecretSpec["template"]>["metadata"]> = {};
  if (isRecord(from.metadata?.labels) && Object.keys(from.metadata.labels).length > 0) templateMeta.labels = { ...from.metadata.labels };
  if (isRecord(from.metadata?.annotations) && Object.keys(from.metadata.annotations).length > 0) templateMeta.annotations = { ...from.metadata.annotations };
  if (Object.keys(templateMeta).length > 0) template.metadata = templateMeta;
  if (typeof from.type === "string" && from.type !== "") template.type = from.type;
  if (from.immutable === true) template.immutable = true;
  if (Object.keys(template).length > 0) spec.template = template;
  return { apiVersion: API_VERSION, kind: "SealedSecret", metadata, spec };
}
