// The sync function: for one SealedSecret key, make the world match it. It re-reads everything from the caches,
// so running it twice changes nothing the second time (no write, no Event). Three outcomes, as in
// sample-controller: "done"; "permanent" (bad input or a conflict: recorded in the status and an Event, not
// retried until something changes); or a thrown error (API trouble, resourceVersion conflict: retried with backoff).
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig, V1ObjectMeta, V1Secret } from "@kubernetes/client-node";
import { API_VERSION, UnsealError, unseal } from "../src/index.js";
import type { Condition, PlainSecret, PrivateKey, SealedSecret, SealedSecretStatus } from "../src/index.js";
import { describeApiError, statusOf } from "./audit.js";
import type { Audit, AuditEvent } from "./audit.js";
import { dataDigest } from "./cached-objects.js";
import type { CachedSecret } from "./cached-objects.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import type { Outcome } from "./queue.js";

/** An unowned Secret carrying this annotation set to "true" may be taken over by its SealedSecret. */
export const MANAGED_ANNOTATION = "seal.dev/managed";

// Condition reasons (Events reuse the audit reasons).
const REASON_UNSEALED = "Unsealed";
const REASON_UNSEAL_FAILED = "UnsealFailed";
const REASON_CONFLICT = "SecretConflict";

const [GROUP, VERSION] = API_VERSION.split("/") as [string, string];
const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export interface ReconcilerOptions {
  kc: KubeConfig;
  log: Logger;
  audit: Audit;
  metrics: Metrics;
  sealedSecrets: { get(name: string, namespace: string): SealedSecret | undefined };
  /** Secrets as cached: values replaced by a digest (cached-objects.ts). */
  secrets: { get(name: string, namespace: string): CachedSecret | undefined };
  /** The private keys to try, current first. */
  keys: () => PrivateKey[];
}

export function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class Reconciler {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(private readonly o: ReconcilerOptions) {
    this.core = o.kc.makeApiClient(CoreV1Api);
    this.custom = o.kc.makeApiClient(CustomObjectsApi);
  }

  async sync(key: string): Promise<Outcome> {
    const slash = key.indexOf("/");
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const sealed = this.o.sealedSecrets.get(name, namespace);
    // Gone or going: the garbage collector deletes the owned Secret.
    if (!sealed || sealed.metadata.deletionTimestamp) return "done";
    // Refused as malformed (over a limit, not kubectl seal's format) at this generation: only an edit can change
    // that, so resyncs, key changes and our own status writes do not open it again (src/unseal-limits.ts).
    if (refusedAsMalformed(sealed)) return "permanent";

    const stopTimer = this.o.metrics.unsealDuration.startTimer();
    let opened: { secret: PlainSecret; keyIds: string[] };
    try {
      opened = await unseal(sealed, this.o.keys());
    } catch (err) {
      if (!(err instanceof UnsealError)) throw err;
      this.o.metrics.unsealTotal.inc({ outcome: err.reason });
      const existing = this.o.secrets.get(name, namespace);
      const kept = existing && ownedBy(existing, sealed) ? " The previous Secret is kept." : "";
      await this.fail(sealed, REASON_UNSEAL_FAILED, `${err.reason}: ${err.message}${kept}`, err.dataKey);
      return "permanent";
    } finally {
      stopTimer();
    }

    const desired = desiredSecret(sealed, opened.secret);
    const existing = this.o.secrets.get(name, namespace);
    if (existing && !ownedBy(existing, sealed) && existing.metadata?.annotations?.[MANAGED_ANNOTATION] !== "true") {
      this.o.metrics.unsealTotal.inc({ outcome: "conflict" });
      const message =
        `Secret ${namespace}/${name} exists and is not managed by this SealedSecret: delete it, or annotate it ` +
        `${MANAGED_ANNOTATION}=true to let the controller take it over`;
      await this.fail(sealed, REASON_CONFLICT, message);
      return "permanent";
    }

    const changed = await this.writeSecret(existing, desired);
    this.o.metrics.unsealTotal.inc({ outcome: "success" });
    const keyIds = [...new Set(opened.keyIds)];
    // Recorded before the status write: if that fails, the retry finds the Secret unchanged and would not record
    // it. The Event itself is written in the background (audit.ts): sync does not wait for it.
    if (changed) {
      this.o.audit.record({
        ...eventBase(sealed),
        reason: "Unsealed",
        type: "Normal",
        note: `${existing ? "Updated" : "Created"} Secret ${namespace}/${name}`,
        keyIds,
        dataKeys: Object.keys(desired.data ?? {}).sort(),
      });
    }
    const ok = `Secret ${namespace}/${name} is up to date`;
    await this.setStatus(sealed, [condition("Ready", "True", REASON_UNSEALED, ok), condition("Synced", "True", REASON_UNSEALED, ok)], keyIds);
    return "done";
  }

  /** Creates or updates the Secret; returns whether anything was written. Throws on API errors (retried). */
  private async writeSecret(existing: CachedSecret | undefined, desired: V1Secret): Promise<boolean> {
    const namespace = desired.metadata?.namespace ?? "";
    const name = desired.metadata?.name ?? "";
    const where = `Secret ${namespace}/${name}`;
    try {
      if (!existing) {
        await this.core.createNamespacedSecret({ namespace, body: desired });
        return true;
      }
      if (sameSecret(existing, desired)) return false;
      // type and immutable data cannot change in place: replace the object.
      if (existing.immutable === true || (existing.type ?? "Opaque") !== desired.type) {
        await this.core.deleteNamespacedSecret({
          name,
          namespace,
          body: { preconditions: { uid: existing.metadata?.uid, resourceVersion: existing.metadata?.resourceVersion } },
        });
        await this.core.createNamespacedSecret({ namespace, body: desired });
        return true;
      }
      const body: V1Secret = {
        ...desired,
        metadata: {
          ...desired.metadata,
          resourceVersion: existing.metadata?.resourceVersion,
          finalizers: existing.metadata?.finalizers,
        },
      };
      await this.core.replaceNamespacedSecret({ name, namespace, body });
      return true;
    } catch (err) {
      // 409: our cache is behind (AlreadyExists, or a resourceVersion conflict). Retried after the cache catches up.
      throw new Error(`could not write ${where}: ${describeApiError(err)}`, { cause: err });
    }
  }

  /** Records a failure that retrying will not fix: status conditions, and an Event if the failure is new. */
  private async fail(sealed: SealedSecret, reason: "UnsealFailed" | "SecretConflict", message: string, dataKey?: string): Promise<void> {
    const ready = sealed.status?.conditions?.find((c) => c.type === "Ready");
    const isNew =
      ready?.reason !== reason || ready.message !== message || sealed.status?.observedGeneration !== sealed.metadata.generation;
    await this.setStatus(
      sealed,
      [condition("Ready", "False", reason, message), condition("Synced", "False", reason, message)],
      sealed.status?.keyIds ?? [],
    );
    // Said once per new failure; a resync of the same failure is only debug noise.
    this.o.log[isNew ? "info" : "debug"]("not unsealed", { key: keyOf(sealed.metadata.namespace ?? "", sealed.metadata.name ?? ""), reason, message });
    if (isNew) {
      this.o.audit.record({
        ...eventBase(sealed),
        reason,
        type: "Warning",
        note: message,
        dataKeys: dataKey === undefined ? Object.keys(sealed.spec.encryptedData ?? {}).sort() : [dataKey],
      });
    }
  }

  /** Writes status through the status subresource, only when it differs from what is there. */
  private async setStatus(sealed: SealedSecret, conditions: Omit<Condition, "lastTransitionTime">[], keyIds: string[]): Promise<void> {
    const generation = typeof sealed.metadata.generation === "number" ? sealed.metadata.generation : undefined;
    const current = sealed.status ?? {};
    const next: SealedSecretStatus = {
      observedGeneration: generation,
      keyIds,
      conditions: conditions.map((c) => {
        const before = current.conditions?.find((p) => p.type === c.type);
        const lastTransitionTime = before?.status === c.status ? before.lastTransitionTime : new Date().toISOString();
        return { ...c, observedGeneration: generation, lastTransitionTime };
      }),
    };
    if (sameStatus(current, next)) return;
    try {
      await this.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: sealed.metadata.namespace ?? "",
          plural: "sealedsecrets",
          name: sealed.metadata.name ?? "",
          body: { status: next },
        },
        MERGE_PATCH,
      );
    } catch (err) {
      if (statusOf(err) === 404) return; // deleted meanwhile
      throw new Error(`could not update status of SealedSecret ${sealed.metadata.namespace}/${sealed.metadata.name}: ${describeApiError(err)}`, { cause: err });
    }
  }
}

function refusedAsMalformed(sealed: SealedSecret): boolean {
  const ready = sealed.status?.conditions?.find((c) => c.type === "Ready");
  const generation = sealed.metadata.generation;
  return ready?.reason === REASON_UNSEAL_FAILED && ready.message.startsWith("malformed:") && generation !== undefined && ready.observedGeneration === generation;
}

function condition(type: Condition["type"], status: Condition["status"], reason: string, message: string): Omit<Condition, "lastTransitionTime"> {
  return { type, status, reason, message };
}

function eventBase(sealed: SealedSecret): Pick<AuditEvent, "regarding"> {
  const uid = sealed.metadata.uid;
  return {
    regarding: {
      apiVersion: API_VERSION,
      kind: "SealedSecret",
      name: sealed.metadata.name ?? "",
      namespace: sealed.metadata.namespace ?? "",
      ...(typeof uid === "string" ? { uid } : {}),
    },
  };
}

/** The Secret a SealedSecret asks for: template metadata and type, the unsealed data, owned by the SealedSecret. */
export function desiredSecret(sealed: SealedSecret, secret: PlainSecret): V1Secret {
  const template = sealed.spec.template ?? {};
  const labels = secret.labels ?? template.metadata?.labels;
  const annotations = secret.annotations ?? template.metadata?.annotations;
  const immutable = secret.immutable ?? template.immutable;
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data)) data[k] = Buffer.from(v).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: sealed.metadata.name,
      namespace: sealed.metadata.namespace,
      ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: "SealedSecret",
          name: sealed.metadata.name ?? "",
          uid: String(sealed.metadata.uid ?? ""),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    type: secret.type ?? template.type ?? "Opaque",
    ...(immutable === true ? { immutable: true } : {}),
    data,
  };
}

/** Whether `secret` is controlled by a SealedSecret of the same name (any uid: a re-created owner adopts it). */
export function ownedBy(secret: { metadata?: V1ObjectMeta }, sealed: SealedSecret): boolean {
  return (secret.metadata?.ownerReferences ?? []).some(
    (r) => r.controller === true && r.kind === "SealedSecret" && r.apiVersion.startsWith(`${GROUP}/`) && r.name === sealed.metadata.name,
  );
}

/**
 * Compares what the controller sets; anything else on the Secret (finalizers...) is left alone. The cached Secret
 * has a digest of its data instead of the data: the desired data is digested the same way.
 */
export function sameSecret(existing: CachedSecret, desired: V1Secret): boolean {
  const owner = desired.metadata?.ownerReferences?.[0];
  const existingOwner = existing.metadata?.ownerReferences?.find((r) => r.controller === true);
  return (
    existing.dataDigest === dataDigest(desired.data) &&
    sameMap(existing.metadata?.labels, desired.metadata?.labels) &&
    sameMap(existing.metadata?.annotations, desired.metadata?.annotations) &&
    (existing.type ?? "Opaque") === desired.type &&
    (existing.immutable === true) === (desired.immutable === true) &&
    existingOwner?.uid === owner?.uid &&
    (existing.metadata?.ownerReferences?.length ?? 0) === 1
  );
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && x[k] === y[k]);
}

function sameStatus(a: SealedSecretStatus, b: SealedSecretStatus): boolean {
  const strip = (s: SealedSecretStatus): string =>
    JSON.stringify({
      observedGeneration: s.observedGeneration,
      keyIds: s.keyIds ?? [],
      conditions: (s.conditions ?? [])
        .map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration])
        .sort((p, q) => String(p[0]).localeCompare(String(q[0]))),
    });
  return strip(a) === strip(b);
}
