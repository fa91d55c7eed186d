// Turning a Secret manifest into a PlainSecret, validated the way the API server would: kind, base64 data,
// string-only stringData (which wins over data), data key names and the 1 MiB size limit.
import { decodeBase64, encodeBase64 } from "./base64.js";
import { InputError } from "./errors.js";
import { describeObject, isDataKey, isNamespace, isObjectName } from "./names.js";
import type { PlainSecret, SecretManifest } from "./types.js";
import { isRecord, setOwn } from "./records.js";

/** Kubernetes refuses Secrets larger than this (total decoded data). */
export const MAX_SECRET_BYTES = 1024 * 1024;

/** Validate a parsed manifest object as a core/v1 Secret. `source` names the file in error messages. */
export function secretFromManifest(doc: unknown, source: string): PlainSecret {
  if (!isRecord(doc)) {
    throw new InputError(`${source}: expected a Secret object`, "pass a Secret manifest (apiVersion: v1, kind: Secret)");
  }
  const metadata = doc["metadata"] ?? {};
  if (!isRecord(metadata)) {
    throw new InputError(`${source}: metadata is not a map`, "give the Secret a metadata map with name and namespace");
  }
  const name = optionalString(metadata["name"], `${source}: metadata.name`);
  const namespace = optionalString(metadata["namespace"], `${source}: metadata.namespace`);
  const what = `${source}: Secret ${describeObject(namespace, name)}`;
  if (doc["kind"] !== "Secret" || doc["apiVersion"] !== "v1") {
    const found = `${String(doc["apiVersion"] ?? "(no apiVersion)")} ${String(doc["kind"] ?? "(no kind)")}`;
    throw new InputError(
      `${source}: ${describeObject(namespace, name)} is a ${found}, not a v1 Secret`,
      "only Secrets can be sealed; remove other objects from the input",
    );
  }
  if (name !== undefined && !isObjectName(name)) {
    throw new InputError(`${what}: metadata.name is not a valid object name`, "use lowercase letters, digits, '-' and '.'");
  }
  if (namespace !== undefined && !isNamespace(namespace)) {
    throw new InputError(`${what}: metadata.namespace is not a valid namespace`, "use lowercase letters, digits and '-'");
  }

  const data: Record<string, Uint8Array> = {};
  for (const [key, encoded] of entries(doc["data"], `${what}: data`)) {
    if (typeof encoded !== "string") {
      throw new InputError(`${what}: data.${key} is not a string`, "data values are base64 strings; put plain text under stringData");
    }
    const bytes = decodeBase64(encoded);
    if (bytes === undefined) {
      throw new InputError(`${what}: data.${key} is not valid base64`, "encode it with `base64 -w0`, or move the plain value under stringData");
    }
    setOwn(data, checkedKey(key, what), bytes);
  }
  // stringData is merged over data, as the API server does on write.
  for (const [key, text] of entries(doc["stringData"], `${what}: stringData`)) {
    if (typeof text !== "string") {
      throw new InputError(`${what}: stringData.${key} is a ${text === null ? "null" : typeof text}, not a string`, "quote the value in YAML");
    }
    // UTF-8 cannot encode a lone surrogate (a JSON "\ud800" escape): TextEncoder would put U+FFFD in its place.
    if (/\p{Surrogate}/u.test(text)) {
      throw new InputError(`${what}: stringData.${key} is not valid Unicode text (it holds a lone surrogate)`, "put values that are not text base64-encoded under data");
    }
    setOwn(data, checkedKey(key, what), new TextEncoder().encode(text));
  }

  const size = Object.values(data).reduce((sum, v) => sum + v.byteLength, 0);
  if (size > MAX_SECRET_BYTES) {
    throw new InputError(
      `${what}: ${size} bytes of data exceeds Kubernetes' 1 MiB (${MAX_SECRET_BYTES} bytes) Secret limit`,
      "split it into several Secrets or keep large files out of Secrets",
    );
  }

  const secret: PlainSecret = { data };
  if (name !== undefined) secret.name = name;
  if (namespace !== undefined) secret.namespace = namespace;
  const labels = stringMap(metadata["labels"], `${what}: metadata.labels`);
  const annotations = stringMap(metadata["annotations"], `${what}: metadata.annotations`);
  if (labels !== undefined) secret.labels = labels;
  if (annotations !== undefined) secret.annotations = annotations;
  const type = optionalString(doc["type"], `${what}: type`);
  if (type !== undefined) secret.type = type;
  const immutable = doc["immutable"];
  if (immutable !== undefined && immutable !== null) {
    if (typeof immutable !== "boolean") throw new InputError(`${what}: immutable is not a boolean`, "write true or false");
    secret.immutable = immutable;
  }
  return secret;
}

function checkedKey(key: string, what: string): string {
  if (!isDataKey(key)) {
    throw new InputError(
      `${what}: data key ${JSON.stringify(key)} is not a valid Secret key`,
      "use only letters, digits, '-', '_' and '.'",
    );
  }
  return key;
}

function entries(value: unknown, where: string): [string, unknown][] {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) throw new InputError(`${where} is not a map`, "write it as key: value pairs");
  return Object.entries(value);
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new InputError(`${where} is not a string`, "quote it in YAML");
  return value;
}

function stringMap(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const out: Record<string, string> = {};
  for (const [key, v] of entries(value, where)) {
    if (typeof v !== "string") throw new InputError(`${where}.${key} is not a string`, "quote it in YAML");
    setOwn(out, key, v);
  }
  return out;
}

/** The v1 Secret manifest of a PlainSecret (data base64-encoded), e.g. for `kubectl seal recover` to print. */
export function secretManifestOf(secret: PlainSecret): SecretManifest {
  const metadata: SecretManifest["metadata"] = {};
  if (secret.name !== undefined) metadata.name = secret.name;
  if (secret.namespace !== undefined) metadata.namespace = secret.namespace;
  if (secret.labels !== undefined) metadata.labels = { ...secret.labels };
  if (secret.annotations !== undefined) metadata.annotations = { ...secret.annotations };
  const manifest: SecretManifest = { apiVersion: "v1", kind: "Secret", metadata };
  if (secret.type !== undefined) manifest.type = secret.type;
  if (secret.immutable !== undefined) manifest.immutable = secret.immutable;
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data)) setOwn(data, key, encodeBase64(value));
  manifest.data = data;
  return manifest;
}
