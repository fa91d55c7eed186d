// The controller's keys as Secrets in its own namespace (format: src/key-secret.ts): listing, creating and
// changing their state through the API. Each change is written with the annotation seal.dev/unrecorded naming it,
// in the same (atomic) write; clearRecorded() removes it once the change's Event is out. So the audit record a
// crash cut off is still visible on the Secret, and the next start records it (keys.ts).
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import type { PrivateKey } from "../src/index.js";
import { ANNOTATION, KEY_LABEL, KEY_SECRET_LABELS, SIGNER_SECRET, parseKeySecret, parseSignerSecret } from "../src/key-secret.js";
import type { KeyState, StoredKey, StoredSigner, UnrecordedChange } from "../src/key-secret.js";
import type { Logger } from "./log.js";
import { statusOf } from "./audit.js";

export { KEY_TYPES } from "../src/key-secret.js";
export type { KeyState, StoredKey, StoredSigner, UnrecordedChange } from "../src/key-secret.js";

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
          labels: { ...KEY_SECRET_LABELS, [KEY_LABEL]: "sealing" },
          annotations: {
            [ANNOTATION.id]: key.id,
            [ANNOTATION.type]: key.type,
            [ANNOTATION.recipient]: key.recipient,
            [ANNOTATION.created]: key.created,
            ...(key.expires === undefined ? {} : { [ANNOTATION.expires]: key.expires }),
            [ANNOTATION.generation]: String(generation),
            [ANNOTATION.state]: "active",
            [ANNOTATION.unrecorded]: "KeyGenerated",
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

  /** Changes the state and marks the change unrecorded, in one patch. */
  async setState(secretName: string, state: KeyState, change: UnrecordedChange): Promise<void> {
    await this.annotate(secretName, { [ANNOTATION.state]: state, [ANNOTATION.unrecorded]: change });
  }

  /** The change's Event is written: drop the mark (a merge patch with null removes the annotation). */
  async clearRecorded(secretName: string): Promise<void> {
    await this.annotate(secretName, { [ANNOTATION.unrecorded]: null });
  }

  private async annotate(secretName: string, annotations: Record<string, string | null>): Promise<void> {
    await this.core.patchNamespacedSecret(
      { name: secretName, namespace: this.namespace, body: { metadata: { annotations } } },
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
            labels: { ...KEY_SECRET_LABELS, [KEY_LABEL]: "signer" },
            annotations: {
              [ANNOTATION.id]: fingerprint,
              [ANNOTATION.type]: "ed25519",
              [ANNOTATION.created]: new Date().toISOString(),
              [ANNOTATION.state]: "active",
              [ANNOTATION.unrecorded]: "KeyGenerated",
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
