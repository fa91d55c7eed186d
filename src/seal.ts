// Sealing: each Secret value becomes a binary age v1 file whose plaintext is the binding line + the value,
// encrypted to every sealing key plus any extra recipients (a recovery key, a second cluster).
import { encodeBase64 } from "./base64.js";
import { InputError } from "./errors.js";
import { keyIdOf, keyTypeOf } from "./keys.js";
import { encryptAgeFile } from "./age/encrypt.js";
import { nativeRecipients } from "./age/recipients.js";
import { describeObject, isDataKey } from "./names.js";
import { bindingLine, bindPlaintext, parseScope, requireScopeTarget } from "./scope.js";
import { API_VERSION, type PlainSecret, type PublicKey, type Scope, type SealedSecret, type SealedSecretSpec } from "./types.js";
import { getOwn, setOwn } from "./records.js";

export interface SealOptions {
  scope: Scope;
  /** Extra age recipients (age1... or age1pq1...), sealed to in addition to `keys`. */
  recipients?: string[];
  /** Keys whose `expires` is before this are not sealed to. Defaults to now. */
  now?: Date;
}

/** Seal every value of `secret` to all unexpired `keys` and the extra recipients. */
export async function seal(secret: PlainSecret, keys: readonly PublicKey[], options: SealOptions): Promise<SealedSecret> {
  const what = `Secret ${describeObject(secret.namespace, secret.name)}`;
  const scope = parseScope(options.scope, what);
  requireScopeTarget(scope, secret.namespace, secret.name, what);
  const recipients = sealingRecipients(keys, options.recipients ?? [], options.now ?? new Date(), what);

  const encrypt = await encrypterFor(recipients);
  const ids = recipients.map(keyIdOf);

  const encryptedData: Record<string, string> = {};
  const sealedTo: Record<string, string[]> = {};
  for (const dataKey of Object.keys(secret.data).sort()) {
    const value = getOwn(secret.data, dataKey);
    if (value === undefined) continue;
    if (!isDataKey(dataKey)) {
      throw new InputError(`${what}: data key ${JSON.stringify(dataKey)} is not a valid Secret key`, "use only letters, digits, '-', '_' and '.'");
    }
    const binding = bindingLine(scope, { namespace: secret.namespace, name: secret.name, dataKey });
    setOwn(encryptedData, dataKey, encodeBase64(await encrypt(bindPlaintext(binding, value))));
    setOwn(sealedTo, dataKey, [...ids]);
  }

  const spec: SealedSecretSpec = { scope, encryptedData, sealedTo };
  const template = templateOf(secret);
  if (template !== undefined) spec.template = template;
  const metadata: SealedSecret["metadata"] = {};
  if (secret.name !== undefined) metadata.name = secret.name;
  if (secret.namespace !== undefined) metadata.namespace = secret.namespace;
  return { apiVersion: API_VERSION, kind: "SealedSecret", metadata, spec };
}

/**
 * Encryption to `recipients`: native (node:crypto, src/age/encrypt.ts) where this Node can, else typage's
 * Encrypter, loaded only then (Nodes before 24.7 have no ML-KEM). Native because typage's pure-JS ML-KEM, SHA-3
 * and X25519 were most of the CLI's time sealing many values, and loading typage ~50 ms of every start-up.
 */
async function encrypterFor(recipients: readonly string[]): Promise<(plaintext: Uint8Array) => Uint8Array | Promise<Uint8Array>> {
  const native = nativeRecipients(recipients);
  if (native !== undefined) return (plaintext) => encryptAgeFile(plaintext, native);
  const { Encrypter } = await import("age-encryption");
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  return (plaintext) => encrypter.encrypt(plaintext);
}

/**
 * The recipients to seal to: unexpired keys then extras, deduplicated. One value never mixes post-quantum and
 * classic recipients (as age 1.3 refuses to: the classic stanza would undo the post-quantum protection). A bundle
 * may offer both types; then its post-quantum keys are used, unless the extra recipients are classic, in which
 * case its X25519 keys are (the user chose a classic recovery key, so the file is classic anyway).
 */
export function sealingRecipients(keys: readonly PublicKey[], extra: readonly string[], now: Date, what: string): string[] {
  const current = keys.filter((k) => k.expires === undefined || Date.parse(k.expires) > now.getTime());
  if (keys.length > 0 && current.length === 0 && extra.length === 0) {
    throw new InputError(`${what}: every sealing key in the bundle has expired`, "fetch a fresh key bundle from the cluster");
  }
  const extraTypes = new Set(extra.map((r) => keyTypeOf(r, "--recipient")));
  if (extraTypes.size > 1) throw mixed(what);
  const type = [...extraTypes][0] ?? (current.some((k) => k.type === "mlkem768x25519") ? "mlkem768x25519" : "x25519");
  const chosen = current.filter((k) => keyTypeOf(k.recipient) === type);
  if (current.length > 0 && chosen.length === 0) throw mixed(what);
  const recipients = [...new Set([...chosen.map((k) => k.recipient), ...extra])];
  if (recipients.length === 0) {
    throw new InputError(`${what}: no key to seal to`, "pass a key bundle (--keys) or a recipient (--recipient age1...)");
  }
  return recipients;
}

function mixed(what: string): InputError {
  return new InputError(
    `${what}: post-quantum (age1pq1...) and classic X25519 (age1...) recipients cannot be mixed`,
    "a classic recipient would make the file breakable by a quantum computer; use only age1pq1 recipients, or only age1",
  );
}

function templateOf(secret: PlainSecret): SealedSecretSpec["template"] {
  const template: NonNullable<SealedSecretSpec["template"]> = {};
  const metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } = {};
  if (secret.labels !== undefined && Object.keys(secret.labels).length > 0) metadata.labels = { ...secret.labels };
  if (secret.annotations !== undefined && Object.keys(secret.annotations).length > 0) metadata.annotations = { ...secret.annotations };
  if (Object.keys(metadata).length > 0) template.metadata = metadata;
  if (secret.type !== undefined) template.type = secret.type;
  if (secret.immutable !== undefined) template.immutable = secret.immutable;
  return Object.keys(template).length > 0 ? template : undefined;
}
