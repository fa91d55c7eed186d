// `kubectl seal keys backup|restore`: the controller's key Secrets (signer and every sealing key, retired ones
// too) read through the Kubernetes API with the admin's credentials, serialised as a KeyBackup
// (backup-document.ts) and encrypted with age to admin recipients (backup-crypto.ts); and put back, creating only
// what is missing. Restore never replaces a key Secret: key Secrets are immutable, and one holding different
// material is reported as a conflict for a person to resolve. The controller re-reads its key Secrets on a timer,
// so restored keys are used without a restart. Nothing here prints or returns key material.
import { CoreV1Api, type V1Secret } from "@kubernetes/client-node";
import { ANNOTATION, KEY_LABEL } from "../key-secret.js";
import { InputError } from "../errors.js";
import { rfc3339 } from "../keys.js";
import { readIdentityFile } from "../cli/identity-file.js";
import { readBinaryFile } from "../cli/inputs.js";
import { backupOf, formatBackup, parseBackup, sameMaterial, secretOf, type BackedUpKey, type KeyBackup } from "./backup-document.js";
import { decryptBackup, encryptBackup } from "./backup-crypto.js";
import { apiError, type ClusterConnection } from "./kube.js";

export interface BackupResult {
  /** The age file. */
  encrypted: Uint8Array;
  /** What it holds (public facts only). */
  keys: BackedUpKey[];
  /** Key Secrets left out because they do not parse (the controller ignores them too). */
  skipped: { secretName: string; problem: string }[];
  /** Fingerprint of the signer in the backup. */
  signer: string;
}

/** Reads every key Secret of the controller's namespace and encrypts them to `recipients`. */
export async function backupKeys(conn: ClusterConnection, recipients: readonly string[], now = new Date()): Promise<BackupResult> {
  const secrets = await listKeySecrets(conn);
  const { backup, keys, skipped } = await backupOf(secrets, {
    created: rfc3339(now),
    cluster: conn.context,
    server: conn.server,
    namespace: conn.controllerNamespace,
  });
  const encrypted = await encryptBackup(formatBackup(backup), recipients);
  return { encrypted, keys, skipped, signer: backup.signer };
}

/** A backup file opened with an identity file and validated, ready for restoreKeys(). */
export async function readBackup(file: string, identityFile: string, warn: (line: string) => void): Promise<{ backup: KeyBackup; keys: BackedUpKey[] }> {
  const identities = await readIdentityFile(identityFile, warn);
  const encrypted = readBinaryFile(file, "backup file");
  return parseBackup(await decryptBackup(encrypted, identities, file, identityFile), file);
}

/**
 * restored: created now; present: a key Secret with the same material is already there (under `existing`, its
 * name); conflict: the name or key id is taken by a Secret with different material, which was left alone.
 */
export type RestoreOutcome = "restored" | "present" | "conflict";

export interface RestoredKey extends BackedUpKey {
  outcome: RestoreOutcome;
  /** Name of the Secret already holding this key or name (present, conflict). */
  existing?: string;
}

/** Creates the backup's key Secrets that are missing in the controller's namespace. Idempotent. */
export async function restoreKeys(conn: ClusterConnection, backup: KeyBackup, keys: readonly BackedUpKey[]): Promise<RestoredKey[]> {
  const core = conn.kc.makeApiClient(CoreV1Api);
  const namespace = conn.controllerNamespace;
  const stored = await listKeySecrets(conn);
  const results: RestoredKey[] = [];
  for (const [index, entry] of backup.secrets.entries()) {
    const key = keys[index];
    if (key === undefined) throw new Error("restoreKeys: keys do not match the backup's secrets");
    // A sealing key restored under another name (or already recreated by hand) is found by its id.
    const existing =
      stored.find((s) => s.metadata?.name === entry.name) ??
      (key.role === "sealing" ? stored.find((s) => s.metadata?.annotations?.[ANNOTATION.id] === key.id) : undefined);
    if (existing !== undefined) {
      results.push(compared(key, entry, existing));
      continue;
    }
    try {
      await core.createNamespacedSecret({ namespace, body: secretOf(entry, namespace) });
      results.push({ ...key, outcome: "restored" });
    } catch (error) {
      // 409: the name is taken by a Secret without the key label, or one created since we listed.
      if ((error as { code?: unknown }).code !== 409) throw apiError(error, `creating Secret ${namespace}/${entry.name}`, conn);
      let taken: V1Secret;
      try {
        taken = await core.readNamespacedSecret({ name: entry.name, namespace });
      } catch (readError) {
        throw apiError(readError, `reading Secret ${namespace}/${entry.name}`, conn);
      }
      results.push(compared(key, entry, taken));
    }
  }
  return results;
}

/** `<cluster>-keys-<UTC time>.age`, the cluster (context) name reduced to characters safe in any file name. */
export function backupFileName(cluster: string, now: Date): string {
  const safe = cluster.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "") || "cluster";
  const time = rfc3339(now).replace(/[-:]/g, "");
  return `${safe}-keys-${time}.age`;
}

function compared(key: BackedUpKey, entry: KeyBackup["secrets"][number], existing: V1Secret): RestoredKey {
  const name = existing.metadata?.name ?? entry.name;
  return { ...key, outcome: sameMaterial(entry, existing) ? "present" : "conflict", existing: name };
}

async function listKeySecrets(conn: ClusterConnection): Promise<V1Secret[]> {
  const core = conn.kc.makeApiClient(CoreV1Api);
  const namespace = conn.controllerNamespace;
  try {
    return (await core.listNamespacedSecret({ namespace, labelSelector: KEY_LABEL })).items;
  } catch (error) {
    throw apiError(error, `listing the key Secrets in namespace ${namespace}`, conn);
  }
}
