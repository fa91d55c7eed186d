// The plaintext of a key backup (docs/FORMAT.md "Key backup"): the controller's key Secrets as they are stored
// (name, labels, annotations, base64 data), plus where and when they were taken. Restoring recreates exactly those
// Secrets, so the controller reads them back with its own parser (src/key-secret.ts), which this module
// reuses to validate every entry both when a backup is made and when one is read: a backup never holds an entry
// that restore would refuse. Messages name Secrets and annotations, never key material.
import type { V1Secret } from "@kubernetes/client-node";
import nacl from "tweetnacl";
import { parse, stringify } from "yaml";
import { ANNOTATION, KEY_LABEL, SIGNER_SECRET, parseKeySecret, parseSignerSecret } from "../key-secret.js";
import { decodeBase64, encodeBase64 } from "../base64.js";
import { fingerprintOf } from "../bundle.js";
import { InputError } from "../errors.js";
import { privateKeyOf } from "../keys.js";
import { isObjectName } from "../names.js";
import { isRecord } from "../records.js";
import { API_VERSION } from "../types.js";

export const BACKUP_KIND = "KeyBackup";

/** One key Secret as stored: `data` values are base64, exactly as in the Secret. */
export interface BackedUpSecret {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: Record<string, string>;
}

export interface KeyBackup {
  apiVersion: typeof API_VERSION;
  kind: typeof BACKUP_KIND;
  /** RFC 3339 time the backup was taken. */
  created: string;
  /** Where it was taken: kubeconfig context, API server and controller namespace (informational). */
  cluster: string;
  server: string;
  namespace: string;
  /** Fingerprint of the signer it holds, to compare with a pin without decrypting anything else. */
  signer: string;
  /** The signer Secret first, then the sealing key Secrets. */
  secrets: BackedUpSecret[];
}

/** The public facts of one backed-up key, for listings. Never material. */
export interface BackedUpKey {
  secretName: string;
  role: "signer" | "sealing";
  /** Key id (sealing) or fingerprint (signer). */
  id: string;
  /** x25519, mlkem768x25519 or ed25519. */
  type: string;
  state: string;
}

export type BackupOrigin = Pick<KeyBackup, "created" | "cluster" | "server" | "namespace">;

/**
 * A backup of the key Secrets read from the cluster. Secrets that do not parse (the controller ignores them too)
 * are left out and reported in `skipped`; a backup without a signer or without sealing keys is refused.
 */
export async function backupOf(
  secrets: readonly V1Secret[],
  origin: BackupOrigin,
): Promise<{ backup: KeyBackup; keys: BackedUpKey[]; skipped: { secretName: string; problem: string }[] }> {
  const entries: { entry: BackedUpSecret; key: BackedUpKey }[] = [];
  const skipped: { secretName: string; problem: string }[] = [];
  for (const secret of secrets) {
    const entry = entryOf(secret);
    const checked = await checkEntry(entry);
    if (typeof checked === "string") skipped.push({ secretName: entry.name, problem: checked });
    else entries.push({ entry, key: checked });
  }
  entries.sort((a, b) => order(a.key) - order(b.key) || a.entry.name.localeCompare(b.entry.name));
  const where = `namespace ${origin.namespace} of cluster ${origin.cluster}`;
  const signer = entries.find((e) => e.key.role === "signer");
  if (signer === undefined) {
    throw new InputError(`${where} holds no usable signer Secret ${SIGNER_SECRET}`, "check --controller-namespace; has the controller ever run there?");
  }
  if (!entries.some((e) => e.key.role === "sealing")) {
    throw new InputError(`${where} holds no usable sealing key Secrets`, "check --controller-namespace; has the controller ever run there?");
  }
  const backup: KeyBackup = {
    apiVersion: API_VERSION,
    kind: BACKUP_KIND,
    ...origin,
    signer: signer.key.id,
    secrets: entries.map((e) => e.entry),
  };
  return { backup, keys: entries.map((e) => e.key), skipped };
}

/** YAML text of a backup (the age file's plaintext). */
export function formatBackup(backup: KeyBackup): string {
  return stringify(backup, { lineWidth: 0 });
}

/** A backup read back from its plaintext, every entry validated; `source` names the file in messages. */
export async function parseBackup(text: string, source: string): Promise<{ backup: KeyBackup; keys: BackedUpKey[] }> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    throw new InputError(`${source} decrypts but is not a YAML key backup`, "pass a file made by `kubectl seal keys backup`");
  }
  if (!isRecord(doc) || doc.apiVersion !== API_VERSION || doc.kind !== BACKUP_KIND) {
    throw new InputError(`${source} is not a ${API_VERSION} ${BACKUP_KIND}`, "pass a file made by `kubectl seal keys backup`");
  }
  const fields = ["created", "cluster", "server", "namespace", "signer"] as const;
  for (const field of fields) {
    if (typeof doc[field] !== "string") throw new InputError(`${source}: ${field} is missing or not a string`, "the backup was edited; use an untouched copy");
  }
  if (!Array.isArray(doc.secrets)) throw new InputError(`${source}: secrets is missing or not a list`, "the backup was edited; use an untouched copy");
  const entries: BackedUpSecret[] = [];
  const keys: BackedUpKey[] = [];
  for (const [index, raw] of (doc.secrets as unknown[]).entries()) {
    const where = `${source}: secrets[${index}]`;
    const entry = entryShape(raw, where);
    const checked = await checkEntry(entry);
    if (typeof checked === "string") throw new InputError(`${where} (${entry.name}): ${checked}`, "the backup was edited; use an untouched copy");
    if (entries.some((e) => e.name === entry.name)) throw new InputError(`${where}: Secret ${entry.name} appears twice`, "the backup was edited; use an untouched copy");
    if (keys.some((k) => k.id === checked.id)) throw new InputError(`${where}: key ${checked.id} appears twice`, "the backup was edited; use an untouched copy");
    entries.push(entry);
    keys.push(checked);
  }
  const signers = keys.filter((k) => k.role === "signer");
  if (signers.length !== 1 || signers[0]?.id !== doc.signer || !keys.some((k) => k.role === "sealing")) {
    throw new InputError(`${source} must hold one signer (the one its signer field names) and at least one sealing key`, "the backup was edited; use an untouched copy");
  }
  const backup: KeyBackup = {
    apiVersion: API_VERSION,
    kind: BACKUP_KIND,
    created: doc.created as string,
    cluster: doc.cluster as string,
    server: doc.server as string,
    namespace: doc.namespace as string,
    signer: doc.signer as string,
    secrets: entries,
  };
  return { backup, keys };
}

/** The Secret to create for a backed-up entry: immutable, as the controller writes key Secrets. */
export function secretOf(entry: BackedUpSecret, namespace: string): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: entry.name, namespace, labels: { ...entry.labels }, annotations: { ...entry.annotations } },
    type: "Opaque",
    immutable: true,
    data: { ...entry.data },
  };
}

/** True when a stored Secret holds exactly the entry's key material (annotations such as state may differ). */
export function sameMaterial(entry: BackedUpSecret, stored: V1Secret): boolean {
  const data = stored.data ?? {};
  const names = Object.keys(entry.data);
  return names.length === Object.keys(data).length && names.every((name) => data[name] === entry.data[name]);
}

/** The backed-up part of a Secret: server-set fields (uid, resourceVersion, managedFields...) are dropped. */
function entryOf(secret: V1Secret): BackedUpSecret {
  return {
    name: secret.metadata?.name ?? "",
    labels: { ...secret.metadata?.labels },
    annotations: { ...secret.metadata?.annotations },
    data: { ...secret.data },
  };
}

function entryShape(raw: unknown, where: string): BackedUpSecret {
  const hint = "the backup was edited; use an untouched copy";
  if (!isRecord(raw) || typeof raw.name !== "string" || !isObjectName(raw.name)) {
    throw new InputError(`${where}: name is missing or not a Kubernetes object name`, hint);
  }
  const maps: Record<string, Record<string, string>> = {};
  for (const field of ["labels", "annotations", "data"] as const) {
    const value = raw[field];
    if (!isRecord(value) || !Object.values(value).every((v) => typeof v === "string")) {
      throw new InputError(`${where} (${raw.name}): ${field} is missing or not a map of strings`, hint);
    }
    maps[field] = value as Record<string, string>;
  }
  for (const [name, value] of Object.entries(maps.data ?? {})) {
    if (decodeBase64(value) === undefined) throw new InputError(`${where} (${raw.name}): data.${name} is not base64`, hint);
  }
  return { name: raw.name, labels: maps.labels ?? {}, annotations: maps.annotations ?? {}, data: maps.data ?? {} };
}

/**
 * The public facts of an entry, or what is wrong with it. Beyond the controller's own parsing, the private half
 * must belong to the public half (age identity -> recipient, Ed25519 secret key -> public key), so a backup that
 * was damaged or spliced is refused before anything is written to a cluster.
 */
async function checkEntry(entry: BackedUpSecret): Promise<BackedUpKey | string> {
  const secret = secretOf(entry, "");
  const role = entry.labels[KEY_LABEL];
  const state = entry.annotations[ANNOTATION.state] ?? "active";
  if (role === "sealing") {
    const stored = parseKeySecret(secret);
    if (typeof stored === "string") return stored;
    let recipient: string;
    try {
      recipient = (await privateKeyOf(stored.key.identity, stored.key.created)).recipient;
    } catch {
      // No detail: the age library's message would quote the identity.
      return "data.identity is not a valid age identity";
    }
    if (recipient !== stored.key.recipient) return `data.identity does not belong to the ${ANNOTATION.recipient} annotation`;
    return { secretName: entry.name, role, id: stored.key.id, type: stored.key.type, state: stored.state };
  }
  if (role === "signer") {
    if (entry.name !== SIGNER_SECRET) return `a signer Secret must be named ${SIGNER_SECRET}`;
    let publicKey: string;
    let secretKey: Uint8Array;
    try {
      ({ publicKey, secretKey } = parseSignerSecret(secret));
    } catch {
      return "data.publicKey or data.secretKey is missing";
    }
    if (secretKey.length !== nacl.sign.secretKeyLength) return "data.secretKey is not a 64-byte Ed25519 secret key";
    // Derived from the seed half: tweetnacl's fromSecretKey would just copy the stored public half back.
    const derived = nacl.sign.keyPair.fromSeed(secretKey.subarray(0, nacl.sign.seedLength)).publicKey;
    if (encodeBase64(derived) !== publicKey || encodeBase64(secretKey.subarray(nacl.sign.seedLength)) !== publicKey) {
      return "data.secretKey does not belong to data.publicKey";
    }
    const fingerprint = fingerprintOf(publicKey);
    const claimed = entry.annotations[ANNOTATION.id];
    if (claimed !== undefined && claimed !== fingerprint) return `the ${ANNOTATION.id} annotation is not the signer's fingerprint`;
    return { secretName: entry.name, role, id: fingerprint, type: "ed25519", state };
  }
  return `label ${KEY_LABEL} is neither sealing nor signer`;
}

function order(key: BackedUpKey): number {
  return key.role === "signer" ? 0 : 1;
}
