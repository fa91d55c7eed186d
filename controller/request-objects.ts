// What Verify and Reencrypt do with ONE SealedSecret of a request. The objects are files, not cluster objects:
// nothing here reads or writes the API, and a failure is an answer (ok: false), never an Event on a SealedSecret.
// Plaintexts exist only in memory between unseal and seal and are zeroed right after; answers hold key ids,
// reasons and new ciphertexts only.
import { SealError, UnsealError, seal, unseal } from "../src/index.js";
import type { PlainSecret, PrivateKey, PublicKey, SealedSecret, UnsealOptions } from "../src/index.js";
import { describeObject } from "../src/names.js";
import { getOwn, isRecord, setOwn } from "../src/records.js";
import { sealedSecretProblem } from "../src/sealed-manifest.js";
import type { SealRequestResult } from "../src/sealrequest.js";

/** A result before it gets its index. */
export type ObjectResult = Omit<SealRequestResult, "index">;

/** What Reencrypt seals to: the current keys plus the extra recipients, and the ids that makes. */
export interface ResealTarget {
  keys: readonly PublicKey[];
  recipients: string[];
  /** Ids of every recipient a re-sealed value gets: a value sealed to exactly these is left alone. */
  ids: ReadonlySet<string>;
  now: Date;
}

/** "namespace/name" of whatever the request carries, for messages (the object may be malformed). */
export function labelOf(object: unknown): string {
  const metadata = isRecord(object) && isRecord(object["metadata"]) ? object["metadata"] : {};
  const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  return describeObject(text(metadata["namespace"]), text(metadata["name"]));
}

/** Why the object may not be handled by a request in `namespace`, or undefined when it may. */
export function namespaceProblem(object: unknown, namespace: string): string | undefined {
  const metadata = isRecord(object) && isRecord(object["metadata"]) ? object["metadata"] : {};
  const own = metadata["namespace"];
  if (own === namespace) return undefined;
  if (typeof own !== "string" || own === "") {
    return `SealedSecret ${labelOf(object)} has no metadata.namespace: set it to ${namespace} (the request's namespace)`;
  }
  return `SealedSecret ${labelOf(object)} is in namespace ${own}, not in the request's namespace ${namespace}: send it in a SealRequest in ${own}`;
}

/** Can the keys open every value of the object, bound to this very object? */
export async function verifyObject(object: unknown, keys: readonly PrivateKey[], options: UnsealOptions = {}): Promise<ObjectResult> {
  const { sealed, refused } = wellFormed(object);
  if (sealed === undefined) return refused;
  try {
    const { secret, keyIds } = await unseal(sealed, keys, options);
    wipe(secret.data);
    return { object: labelOf(object), ok: true, keyIds };
  } catch (err) {
    return failure(object, err);
  }
}

/**
 * Opens every value, then seals the ones not already sealed to exactly the target again, with the object's own
 * scope, namespace and name (so the binding line is unchanged). "Already sealed to the target" needs both: the key
 * that opened the value is a target key (proof it is sealed to one) and spec.sealedTo names exactly the target.
 */
export async function reencryptObject(object: unknown, keys: readonly PrivateKey[], target: ResealTarget, options: UnsealOptions = {}): Promise<ObjectResult> {
  const { sealed, refused } = wellFormed(object);
  if (sealed === undefined) return refused;
  const stale: Record<string, Uint8Array> = {};
  const openers = new Set<string>();
  try {
    for (const [dataKey, file] of Object.entries(sealed.spec.encryptedData)) {
      const { secret, keyIds } = await unseal(oneValue(sealed, dataKey, file), keys, options);
      for (const id of keyIds) openers.add(id);
      const value = getOwn(secret.data, dataKey);
      if (value === undefined) continue;
      if (keyIds.every((id) => target.ids.has(id)) && sameIds(getOwn(sealed.spec.sealedTo, dataKey), target.ids)) value.fill(0);
      else setOwn(stale, dataKey, value);
    }
    const result: ObjectResult = { object: labelOf(object), ok: true, keyIds: [...openers] };
    if (Object.keys(stale).length === 0) return result;
    const { name, namespace } = sealed.metadata;
    const fresh: PlainSecret = { data: stale };
    if (name !== undefined) fresh.name = name;
    if (namespace !== undefined) fresh.namespace = namespace;
    const resealed = await seal(fresh, target.keys, { scope: sealed.spec.scope, recipients: target.recipients, now: target.now });
    return { ...result, encryptedData: resealed.spec.encryptedData, sealedTo: resealed.spec.sealedTo ?? {} };
  } catch (err) {
    return failure(object, err);
  } finally {
    wipe(stale);
  }
}

/** The object as a SealedSecret, or the answer refusing it as malformed. */
function wellFormed(object: unknown): { sealed: SealedSecret; refused?: never } | { sealed?: never; refused: ObjectResult } {
  const problem = sealedSecretProblem(object);
  if (problem === undefined) return { sealed: object as SealedSecret };
  const label = labelOf(object);
  return { refused: { object: label, ok: false, reason: "malformed", message: `SealedSecret ${label} ${problem}: reseal the Secret with kubectl seal` } };
}

/** The same object holding one value, so unseal() says which key opened that value. */
function oneValue(sealed: SealedSecret, dataKey: string, file: string): SealedSecret {
  const encryptedData: Record<string, string> = {};
  setOwn(encryptedData, dataKey, file);
  const spec: SealedSecret["spec"] = { scope: sealed.spec.scope, encryptedData };
  const hint = getOwn(sealed.spec.sealedTo, dataKey);
  if (hint !== undefined) {
    spec.sealedTo = {};
    setOwn(spec.sealedTo, dataKey, hint);
  }
  return { ...sealed, spec };
}

function sameIds(hint: readonly string[] | undefined, ids: ReadonlySet<string>): boolean {
  return hint !== undefined && new Set(hint).size === ids.size && hint.every((id) => ids.has(id));
}

/** SealErrors are meant for people and never hold a value; anything else is a bug and goes up. */
export function failure(object: unknown, err: unknown): ObjectResult {
  if (err instanceof UnsealError) return { object: labelOf(object), ok: false, reason: err.reason, message: err.message };
  if (err instanceof SealError) return { object: labelOf(object), ok: false, message: err.message };
  throw err;
}

export function wipe(data: Record<string, Uint8Array>): void {
  for (const value of Object.values(data)) value.fill(0);
}
