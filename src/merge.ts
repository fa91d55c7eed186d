// Merging a fresh seal into an existing sealed file: keys in the update are added or replaced; every other
// encryptedData/sealedTo entry is kept byte for byte, so a Git diff shows only what changed.
import { InputError } from "./errors.js";
import { describeObject } from "./names.js";
import type { SealedSecret, SealedSecretSpec } from "./types.js";
import { getOwn, setOwn } from "./records.js";

export function mergeSealed(existing: SealedSecret, update: SealedSecret): SealedSecret {
  const what = `SealedSecret ${describeObject(existing.metadata.namespace, existing.metadata.name)}`;
  const differs = (field: string, a: unknown, b: unknown): void => {
    if (a !== b) {
      throw new InputError(
        `${what}: cannot merge a value sealed with ${field} ${JSON.stringify(b ?? null)} into one with ${field} ${JSON.stringify(a ?? null)}`,
        `seal with the same ${field} as the existing file, or write a new file`,
      );
    }
  };
  differs("name", existing.metadata.name, update.metadata.name);
  differs("namespace", existing.metadata.namespace, update.metadata.namespace);
  differs("scope", existing.spec.scope, update.spec.scope);

  const encryptedData = { ...existing.spec.encryptedData, ...update.spec.encryptedData };
  const sealedTo: Record<string, string[]> = { ...(existing.spec.sealedTo ?? {}) };
  for (const key of Object.keys(update.spec.encryptedData)) {
    const ids = getOwn(update.spec.sealedTo, key);
    if (ids === undefined) delete sealedTo[key];
    else setOwn(sealedTo, key, [...ids]);
  }
  const spec: SealedSecretSpec = { ...existing.spec, encryptedData };
  if (Object.keys(sealedTo).length > 0) spec.sealedTo = sealedTo;
  else delete spec.sealedTo;
  const template = mergeTemplate(existing.spec.template, update.spec.template);
  if (template !== undefined) spec.template = template;
  return { ...existing, metadata: { ...existing.metadata }, spec };
}

/** The update's type/immutable win when set; labels and annotations are merged key by key (update wins). */
function mergeTemplate(
  existing: SealedSecretSpec["template"],
  update: SealedSecretSpec["template"],
): SealedSecretSpec["template"] {
  if (update === undefined) return existing;
  if (existing === undefined) return update;
  const merged: NonNullable<SealedSecretSpec["template"]> = { ...existing };
  const labels = { ...existing.metadata?.labels, ...update.metadata?.labels };
  const annotations = { ...existing.metadata?.annotations, ...update.metadata?.annotations };
  const metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } = { ...existing.metadata };
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  if (Object.keys(metadata).length > 0) merged.metadata = metadata;
  if (update.type !== undefined) merged.type = update.type;
  if (update.immutable !== undefined) merged.immutable = update.immutable;
  return merged;
}
