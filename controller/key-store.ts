// The controller's keys as Secrets in its own namespace. Everything a human needs to find, back up and
// restore them is on the object: the label `seal.dev/key: sealing|signer` selects them all
// (`kubectl get secret -l seal.dev/key -o yaml > backup.yaml`), annotations carry the public facts (id, type,
// recipient, created, expires, generation, state) so listing needs no decoding, and `data` holds the private half.
// Key Secrets are immutable: key material is written once; only annotations (state) ever change.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { keyIdOf } from "../src/index.js";
import type { KeyType, PrivateKey } from "../src/index.js";
import type { Logger } from "./log.js";
import { statusOf } from "./audit.js";

export const KEY_LABEL = "seal.dev/key";
export const KEY_TYPES: readonly KeyType[] = ["mlkem768x25519", "x25519"];
export const SIGNER_SECRET = "kubectl-seal-signer";

export const ANNOTATION = {
  id: "seal.dev/key-id",
  type: "seal.dev/key-type",
  recipient: "seal.dev/recipient",
  created: "seal.dev/created",
  expires: "seal.dev/expires",
  generation: "seal.dev/generation",
  state: "seal.dev/state",
} as const;

/**
 * active: held for unsealing (the newest active key of each type is also the one to seal to);
 * retired: an admin retired it; kept as a Secret (delete it by hand once it is backed up) but no longer used.
 */
export type KeyState = "active" | "retired";

export interface StoredKey {
  secretName: string;
  uid: string;
  /** Orders keys of one type: the highest active generation is the current sealing key. */
  generation: number;
  state: KeyState;
  key: PrivateKey;
}

export interface StoredSigner {
  secretName: string;
  uid: string;
  /** Base64 Ed25519 public key. */
  publicKey: string;
  secretKey: Uint8Array;
}

const COMMON_LABELS = { "app.kubernetes.io/name": "kubectl-seal", "app.kubernetes.io/component": "keys" };

export class KeyStore {
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Every sealing key Secret that parses; a damaged one is reported by name (never content) and skipped. */
  async listKeys(): Promise<StoredKey[]> {
    const list = await this.core.listNamespacedSecret({
      namespace: this.namespace,
      labelSelector: `${KEY_LABEL}=sealing`,
    });
    const keys: StoredKey[] = [];
    for (const secret of list.items) {
      const parsed = parseKeySecret(secret);
      if (typeof parsed === "string") {
        this.log.warn("ignoring a damaged key Secret; restore it from a backup or delete it", {
          secret: `${this.namespace}/${secret.metadata?.name ?? "?"}`,
          problem: parsed,
        });
      } else {
        keys.push(parsed);
      }
    }
    return keys;
  }

  /** One atomic write: the key exists completely (with its generation) or not at all. */
  async createKey(key: PrivateKey, generation: number): Promise<StoredKey> {
    const created = await this.core.createNamespacedSecret({
      namespace: this.namespace,
      body: {
        metadata: {
          generateName: `kubectl-seal-key-${key.type}-`,
          namespace: this.namespace,
          labels: { ...COMMON_LABELS, [KEY_LABEL]: "sealing" },
          annotations: {
            [ANNOTATION.id]: key.id,
            [ANNOTATION.type]: key.type,
            [ANNOTATION.recipient]: key.recipient,
            [ANNOTATION.created]: key.created,
            ...(key.expires === undefined ? {} : { [ANNOTATION.expires]: key.expires }),
            [ANNOTATION.generation]: String(generation),
            [ANNOTATION.state]: "active",
          },
        },
        type: "Opaque",
        immutable: true,
        stringData: { identity: key.identity },
      },
    });
    const parsed = parseKeySecret(created);
    if (typeof parsed === "string") throw new Error(`key Secret ${created.metadata?.name ?? "?"} reads back damaged: ${parsed}`);
    return parsed;
  }

  async setState(secretName: string, state: KeyState): Promise<void> {
    await this.core.patchNamespacedSecret(
      { name: secretName, namespace: this.namespace, body: { metadata: { annotations: { [ANNOTATION.state]: state } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }

  async readSigner(): Promise<StoredSigner | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ name: SIGNER_SECRET, namespace: this.namespace });
      return parseSignerSecret(secret);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Create the signer Secret under its fixed name. If another replica won the race (409), its signer is the
   * one: we return what is stored, so there is only ever one identity.
   */
  async createSigner(publicKey: string, secretKey: Uint8Array, fingerprint: string): Promise<{ signer: StoredSigner; created: boolean }> {
    try {
      const secret = await this.core.createNamespacedSecret({
        namespace: this.namespace,
        body: {
          metadata: {
            name: SIGNER_SECRET,
            namespace: this.namespace,
            labels: { ...COMMON_LABELS, [KEY_LABEL]: "signer" },
            annotations: {
              [ANNOTATION.id]: fingerprint,
              [ANNOTATION.type]: "ed25519",
              [ANNOTATION.created]: new Date().toISOString(),
              [ANNOTATION.state]: "active",
            },
          },
          type: "Opaque",
          immutable: true,
          data: { publicKey: Buffer.from(publicKey).toString("base64"), secretKey: Buffer.from(secretKey).toString("base64") },
        },
      });
      return { signer: parseSignerSecret(secret), created: true };
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      const existing = await this.readSigner();
      if (existing === undefined) throw err;
      return { signer: existing, created: false };
    }
  }
}

/** A StoredKey, or a short description of what is wrong (names only, no key material). */
export function parseKeySecret(secret: V1Secret): StoredKey | string {
  const meta = secret.metadata ?? {};
  const a = meta.annotations ?? {};
  const type = a[ANNOTATION.type];
  if (type === undefined || !(KEY_TYPES as readonly string[]).includes(type)) return `unknown key type annotation ${ANNOTATION.type}`;
  const recipient = a[ANNOTATION.recipient];
  const id = a[ANNOTATION.id];
  if (recipient === undefined || id === undefined) return `missing ${ANNOTATION.recipient} or ${ANNOTATION.id} annotation`;
  if (keyIdOf(recipient) !== id) return `${ANNOTATION.id} does not match ${ANNOTATION.recipient}`;
  const created = a[ANNOTATION.created];
  if (created === undefined || Number.isNaN(Date.parse(created))) return `missing or invalid ${ANNOTATION.created} annotation`;
  const generation = Number(a[ANNOTATION.generation] ?? "0");
  if (!Number.isSafeInteger(generation) || generation < 0) return `invalid ${ANNOTATION.generation} annotation`;
  const identity = decoded(secret, "identity");
  if (identity === undefined || !identity.startsWith("AGE-SECRET-KEY-")) return "data.identity is missing or not an age identity";
  const expires = a[ANNOTATION.expires];
  return {
    secretName: meta.name ?? "",
    uid: meta.uid ?? "",
    generation,
    state: a[ANNOTATION.state] === "retired" ? "retired" : "active",
    key: { id, type: type as KeyType, recipient, created, ...(expires === undefined ? {} : { expires }), identity },
  };
}

export function parseSignerSecret(secret: V1Secret): StoredSigner {
  const publicKey = decoded(secret, "publicKey");
  const secretKey = secret.data?.secretKey;
  if (publicKey === undefined || secretKey === undefined) {
    throw new Error(`signer Secret ${SIGNER_SECRET} lacks data.publicKey or data.secretKey: restore it from a backup`);
  }
  return {
    secretName: secret.metadata?.name ?? SIGNER_SECRET,
    uid: secret.metadata?.uid ?? "",
    publicKey,
    secretKey: new Uint8Array(Buffer.from(secretKey, "base64")),
  };
}

function decoded(secret: V1Secret, field: string): string | undefined {
  const value = secret.data?.[field];
  return value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");
}
