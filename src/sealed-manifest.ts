// Shape checks for SealedSecret objects read from files or the API server. One checker, two error classes:
// InputError for files the user passes, UnsealError("malformed") on the unseal path.
import { decodeBase64 } from "./base64.js";
import { InputError } from "./errors.js";
import { isDataKey } from "./names.js";
import { API_VERSION, SCOPES, type SealedSecret } from "./types.js";
import { isRecord } from "./records.js";

/** What is wrong with `doc` as a SealedSecret, or undefined when it is well-formed. */
export function sealedSecretProblem(doc: unknown): string | undefined {
  if (!isRecord(doc)) return "is not an object";
  if (doc["apiVersion"] !== API_VERSION || doc["kind"] !== "SealedSecret") {
    return `is a ${String(doc["apiVersion"] ?? "(no apiVersion)")} ${String(doc["kind"] ?? "(no kind)")}, not a ${API_VERSION} SealedSecret`;
  }
  const metadata = doc["metadata"];
  if (!isRecord(metadata)) return "has no metadata";
  for (const field of ["name", "namespace"]) {
    if (metadata[field] !== undefined && typeof metadata[field] !== "string") return `has a metadata.${field} that is not a string`;
  }
  const spec = doc["spec"];
  if (!isRecord(spec)) return "has no spec";
  if (!(SCOPES as readonly unknown[]).includes(spec["scope"])) {
    return `has unknown spec.scope ${JSON.stringify(spec["scope"] ?? null)} (expected one of ${SCOPES.join(", ")})`;
  }
  const encrypted = spec["encryptedData"];
  if (!isRecord(encrypted)) return "has no spec.encryptedData map";
  for (const [key, value] of Object.entries(encrypted)) {
    if (!isDataKey(key)) return `has an invalid data key ${JSON.stringify(key)} in spec.encryptedData`;
    if (typeof value !== "string") return `has a spec.encryptedData.${key} that is not a string`;
  }
  const sealedTo = spec["sealedTo"];
  if (sealedTo !== undefined) {
    if (!isRecord(sealedTo)) return "has a spec.sealedTo that is not a map";
    for (const [key, ids] of Object.entries(sealedTo)) {
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string")) return `has a spec.sealedTo.${key} that is not a list of key ids`;
    }
  }
  if (spec["template"] !== undefined && !isRecord(spec["template"])) return "has a spec.template that is not a map";
  return undefined;
}

/** A SealedSecret from a parsed manifest (e.g. the file of --merge-into), or InputError naming `source`. */
export function sealedSecretFromManifest(doc: unknown, source: string): SealedSecret {
  const problem = sealedSecretProblem(doc);
  if (problem !== undefined) {
    throw new InputError(`${source}: object ${problem}`, "pass a SealedSecret written by kubectl seal");
  }
  const sealed = doc as SealedSecret;
  for (const [key, value] of Object.entries(sealed.spec.encryptedData)) {
    if (decodeBase64(value) === undefined) {
      throw new InputError(`${source}: spec.encryptedData.${key} is not valid base64`, "the file was damaged; take it from Git history or reseal the value");
    }
  }
  return sealed;
}
