// Unsealing: open each value with the private keys, then check its binding line against the object it sits in.
// This is the controller's hot path, so openers (native identities) are cached per key (age/open-value.ts) and
// tried in the order the (untrusted) sealedTo hint suggests.
import { decodeBase64 } from "./base64.js";
import { OpenerUnavailableError, UnsealError } from "./errors.js";
import { openValue, type OpenedValue, type ValueOpener } from "./age/open-value.js";
import { describeObject } from "./names.js";
import { bindingLine, splitPlaintext, type BindingTarget } from "./scope.js";
import { sealedSecretProblem } from "./sealed-manifest.js";
import { SCOPES, type PlainSecret, type PrivateKey, type Scope, type SealedSecret } from "./types.js";
import { armoredError, checkObjectLimits, checkStanzaTotal, countStanzas, isArmored } from "./unseal-limits.js";
import { getOwn, setOwn } from "./records.js";

export { openValue, type OpenedValue, type ValueOpener };

export interface UnsealOptions {
  /** Opens each value (default openValue, on this thread); the controller passes its worker pool's. */
  openValue?: ValueOpener;
}

/** The Secret inside `sealed`, and the ids of the keys that opened it. */
export async function unseal(
  sealed: SealedSecret,
  keys: readonly PrivateKey[],
  options: UnsealOptions = {},
): Promise<{ secret: PlainSecret; keyIds: string[] }> {
  const problem = sealedSecretProblem(sealed);
  const object = `SealedSecret ${describeObject(sealed?.metadata?.namespace, sealed?.metadata?.name)}`;
  if (problem !== undefined) {
    throw new UnsealError("malformed", `${object} ${problem}`, "reseal the Secret with kubectl seal");
  }
  const { namespace, name } = sealed.metadata;
  const { scope } = sealed.spec;
  if ((scope !== "cluster" && namespace === undefined) || (scope === "strict" && name === undefined)) {
    throw new UnsealError("malformed", `${object} has ${scope} scope but no ${namespace === undefined ? "namespace" : "name"}`, "set metadata to the namespace and name it was sealed for");
  }

  // Every limit is checked on every value before any key is tried (unseal-limits.ts).
  checkObjectLimits(sealed, object);
  const files: [string, Uint8Array][] = [];
  let stanzas = 0;
  for (const [dataKey, encoded] of Object.entries(sealed.spec.encryptedData)) {
    const where = `${object} key ${dataKey}`;
    if (isArmored(encoded)) throw armoredError(where, dataKey);
    const file = decodeBase64(encoded);
    if (file === undefined) {
      throw new UnsealError("tampered", `${where}: encryptedData is not valid base64`, "the object was altered; reseal the value", { dataKey });
    }
    stanzas += countStanzas(file, where, dataKey);
    checkStanzaTotal(stanzas, object);
    files.push([dataKey, file]);
  }

  const data: Record<string, Uint8Array> = {};
  const used = new Set<string>();
  for (const [index, [dataKey, file]] of files.entries()) {
    // Between values, let the event loop run: one large object does not hold up the controller's other work.
    if (index > 0) await new Promise((resolve) => setImmediate(resolve));
    const where = `${object} key ${dataKey}`;
    const hinted = getOwn(sealed.spec.sealedTo, dataKey) ?? [];
    const { plaintext, keyId } = await open(options.openValue ?? openValue, file, orderedKeys(keys, hinted), hinted, where, dataKey);
    const parts = splitPlaintext(plaintext);
    if (parts === undefined) {
      throw new UnsealError("malformed", `${where}: the value has no kubectl-seal binding line`, "it was not sealed by kubectl seal; reseal it", { dataKey });
    }
    if (parts.binding !== bindingLine(scope, { namespace, name, dataKey })) throw bindingError(parts.binding, scope, where, { namespace, name, dataKey });
    setOwn(data, dataKey, parts.value);
    used.add(keyId);
  }
  return { secret: plainSecretOf(sealed, data), keyIds: [...used] };
}

/** Keys the hint names first (in hint order), then the rest: the hint is only a speed-up, never trusted. */
function orderedKeys(keys: readonly PrivateKey[], hinted: readonly string[]): PrivateKey[] {
  const first = hinted.flatMap((id) => keys.filter((k) => k.id === id));
  return [...new Set([...first, ...keys])];
}

async function open(
  opener: ValueOpener,
  file: Uint8Array,
  keys: readonly PrivateKey[],
  hinted: readonly string[],
  where: string,
  dataKey: string,
): Promise<OpenedValue> {
  let opened: OpenedValue | undefined;
  try {
    opened = await opener(file, keys);
  } catch (cause) {
    if (cause instanceof OpenerUnavailableError) throw cause; // the opener could not run (a worker thread died): not the value's fault
    throw new UnsealError("tampered", `${where}: the ciphertext fails authentication`, "the object was altered; reseal the value", { cause, dataKey });
  }
  if (opened !== undefined) return opened;
  // No key recognised a stanza. If the value claims to be sealed to a key we hold, that key's stanza was altered.
  const held = keys.filter((k) => hinted.includes(k.id)).map((k) => k.id);
  if (held.length > 0) {
    throw new UnsealError("tampered", `${where}: sealed to key ${held.join(", ")} but that key does not open it`, "the object was altered; reseal the value", { dataKey });
  }
  const sealedTo = hinted.length > 0 ? `sealed to key ${hinted.join(", ")}` : "sealed to unknown keys";
  const have = keys.length > 0 ? keys.map((k) => k.id).join(", ") : "none";
  throw new UnsealError(
    "unknown-key",
    `${where}: ${sealedTo}; the available keys are ${have}`,
    "reseal with the current key bundle, or restore the key it was sealed to",
    { dataKey },
  );
}

/**
 * Why a value's binding line is not the one its place asks for: the scope field was changed after sealing (the
 * binding names another scope), or the value was sealed for another object and copied here.
 */
function bindingError(binding: string, scope: Scope, where: string, target: BindingTarget): UnsealError {
  const sealedScope = binding.split(" ")[1];
  if (sealedScope !== scope && (SCOPES as readonly string[]).includes(sealedScope ?? "")) {
    return new UnsealError(
      "wrong-scope",
      `${where}: spec.scope is ${scope} but the value was sealed with ${sealedScope} scope, so the scope field was changed after sealing`,
      `set spec.scope back to ${sealedScope}, or seal the value again with --scope ${scope}`,
      { dataKey: target.dataKey },
    );
  }
  const noun = scope === "strict" ? "namespace, name or key" : "namespace";
  return new UnsealError(
    "wrong-scope",
    `${where}: the value was sealed for another ${noun} and was copied here`,
    `seal the value again for ${describeObject(target.namespace, target.name)}`,
    { dataKey: target.dataKey },
  );
}

function plainSecretOf(sealed: SealedSecret, data: Record<string, Uint8Array>): PlainSecret {
  const secret: PlainSecret = { data };
  const { name, namespace } = sealed.metadata;
  const template = sealed.spec.template;
  if (name !== undefined) secret.name = name;
  if (namespace !== undefined) secret.namespace = namespace;
  if (template?.metadata?.labels !== undefined) secret.labels = { ...template.metadata.labels };
  if (template?.metadata?.annotations !== undefined) secret.annotations = { ...template.metadata.annotations };
  if (template?.type !== undefined) secret.type = template.type;
  if (template?.immutable !== undefined) secret.immutable = template.immutable;
  return secret;
}
