// The sync function: for one SealedSecret key, make the world match it. It re-reads everything from the caches,
// so running it twice changes nothing the second time (no write, no Event). Three outcomes, as in
// sample-controller: "done"; "permanent" (bad input or a conflict: recorded in the status and an Event, not
// retried until something changes); or a thrown error (API trouble, resourceVersion conflict: retried with backoff).
// The cache holds no sealed values (cached-objects.ts): when the cached status does not already show this
// generation unsealed into the Secret as it is now, sync reads the SealedSecret from the API server and unseals it.
//
// Audit across crashes: every Secret write gets its audit line and Event BEFORE the status write that records
// the Secret's resulting resourceVersion (status.secretResourceVersion). A crash in between leaves a Secret that is
// up to date but not the version the status names: the next sync (in this process or the next leader) sees that,
// and records the write then. So a write's record may come late or twice (at least once), never not at all.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig, V1ObjectMeta, V1Secret } from "@kubernetes/client-node";
import { API_VERSION, UnsealError, unseal } from "../src/index.js";
import type { Condition, PlainSecret, PrivateKey, SealedSecret, SealedSecretStatus, ValueOpener } from "../src/index.js";
import { adoptSecret, adoptable } from "./adopt.js";
import { describeApiError, statusOf } from "./audit.js";
import type { Audit, AuditEvent } from "./audit.js";
import { cachedSecret, dataDigest } from "./cached-objects.js";
import type { CachedSealedSecret, CachedSecret } from "./cached-objects.js";
import { NotLeaderError } from "./fenced-kubeconfig.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import { byCodeUnits } from "./order.js";
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
  /** SealedSecrets as cached: identity and status, no spec (cached-objects.ts). */
  sealedSecrets: { get(name: string, namespace: string): CachedSealedSecret | undefined };
  /** Secrets as cached: values replaced by a digest (cached-objects.ts). */
  secrets: { get(name: string, namespace: string): CachedSecret | undefined };
  /** The private keys to try, current first. */
  keys: () => PrivateKey[];
  /** Opens the values of a namespace's objects (unseal-pool.ts: off the event loop, namespaces in turn); default: here. */
  openerFor?: (namespace: string) => ValueOpener;
  /** The whole SealedSecret from the API server (undefined when gone); default: a GET. */
  read?: (namespace: string, name: string) => Promise<SealedSecret | undefined>;
  /** False once this replica may have lost leadership: no audit record is made then (leader.ts). */
  holdsLease?: () => boolean;
  /** Fault-injection seam (controller.ts): called after a Secret write, before its audit record. */
  afterSecretWrite?: () => void;
}
export function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class Reconciler {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  /** Keys whose write of a Secret version is recorded (line and Event) but whose status write has not succeeded. */
  private readonly pending = new Map<string, string>();

  constructor(private readonly o: ReconcilerOptions) {
    this.core = o.kc.makeApiClient(CoreV1Api);
    this.custom = o.kc.makeApiClient(CustomObjectsApi);
  }

  async sync(key: string): Promise<Outcome> {
    const slash = key.indexOf("/");
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const cached = this.o.sealedSecrets.get(name, namespace);
    // Gone or going: the garbage collector deletes the owned Secret.
    if (!cached || cached.metadata.deletionTimestamp) return "done";
    if (upToDate(cached, this.o.secrets.get(name, namespace))) return "done";
    // Refused as malformed (over a limit, not kubectl seal's format) at this generation: only an edit can change
    // that, so resyncs, key changes and our own status writes do not open it again (src/unseal-limits.ts).
    if (refusedAsMalformed(cached)) return "permanent";
    const sealed = await this.read(namespace, name);
    if (!sealed || sealed.metadata.deletionTimestamp) return "done";

    const stopTimer = this.o.metrics.unsealDuration.startTimer();
    let opened: { secret: PlainSecret; keyIds: string[] };
    try {
      opened = await unseal(sealed, this.o.keys(), this.o.openerFor ? { openValue: this.o.openerFor(namespace) } : {});
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
    let existing = this.o.secrets.get(name, namespace);
    // Migrated from Bitnami: take the Secret over before its old owner's deletion lets the GC remove it (adopt.ts).
    const adopting = existing !== undefined && !ownedBy(existing, sealed) && adoptable(existing, desired);
    if (existing && !adopting && !ownedBy(existing, sealed) && existing.metadata?.annotations?.[MANAGED_ANNOTATION] !== "true") {
      this.o.metrics.unsealTotal.inc({ outcome: "conflict" });
      const message =
        `Secret ${namespace}/${name} exists and is not managed by this SealedSecret: delete it, or annotate it ` +
        `${MANAGED_ANNOTATION}=true to let the controller take it over`;
      await this.fail(sealed, REASON_CONFLICT, message);
      return "permanent";
    }

    // An adoption writes only ownerReferences (no value); the Secret's own update event brings the cache in line.
    let version = adopting && existing ? await adoptSecret(this.core, existing, desired) : await this.writeSecret(existing, desired);
    let note: string | undefined;
    if (version !== undefined) {
      note = adopting
        ? `Took over Secret ${namespace}/${name} from Bitnami's SealedSecret; its data was already the same, nothing rewritten`
        : `${existing ? "Updated" : "Created"} Secret ${namespace}/${name}`;
      this.o.afterSecretWrite?.();
    } else if (existing && !recorded(sealed, existing) && this.pending.get(key) !== existing.metadata?.resourceVersion) {
      // Up to date, yet not the version whose write the status records: our cache may be behind, or an earlier
      // run wrote it and stopped before recording. A fresh read tells which.
      existing = await this.readSecret(namespace, name);
      if (existing && !recorded(sealed, existing) && sameSecret(existing, desired)) {
        if (!(this.o.holdsLease?.() ?? true)) throw new NotLeaderError("an audit record");
        note = `Wrote Secret ${namespace}/${name} (recorded late: the controller stopped between the write and its record)`;
      }
    }
    version ??= existing?.metadata?.resourceVersion;
    this.o.metrics.unsealTotal.inc({ outcome: "success" });
    const keyIds = [...new Set(opened.keyIds)];
    if (note !== undefined && version !== undefined && this.pending.get(key) !== version) {
      // The Event is written (or dropped, counted) before the status names this version as recorded.
      await this.o.audit.recordNow({
        ...eventBase(sealed),
        reason: adopting ? "SecretAdopted" : "Unsealed",
        type: "Normal",
        note,
        keyIds,
        dataKeys: Object.keys(desired.data ?? {}).sort(),
      });
      this.pending.set(key, version);
    }
    const ok = `Secret ${namespace}/${name} is up to date`;
    await this.setStatus(sealed, [condition("Ready", "True", REASON_UNSEALED, ok), condition("Synced", "True", REASON_UNSEALED, ok)], keyIds, version);
    this.pending.delete(key);
    return "done";
  }

  private async read(namespace: string, name: string): Promise<SealedSecret | undefined> {
    if (this.o.read) return this.o.read(namespace, name);
    try {
      return (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: "sealedsecrets", name })) as SealedSecret;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw new Error(`could not read SealedSecret ${namespace}/${name}: ${describeApiError(err)}`, { cause: err });
    }
  }

  private async readSecret(namespace: string, name: string): Promise<CachedSecret | undefined> {
    try {
      return cachedSecret(await this.core.readNamespacedSecret({ namespace, name }));
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw new Error(`could not read Secret ${namespace}/${name}: ${describeApiError(err)}`, { cause: err });
    }
  }

  /** Creates or updates the Secret; returns the written resourceVersion, undefined if nothing was written. Throws on API errors (retried). */
  private async writeSecret(existing: CachedSecret | undefined, desired: V1Secret): Promise<string | undefined> {
    const namespace = desired.metadata?.namespace ?? "";
    const name = desired.metadata?.name ?? "";
    const where = `Secret ${namespace}/${name}`;
    try {
      if (!existing) return versionOf(await this.core.createNamespacedSecret({ namespace, body: desired }));
      if (sameSecret(existing, desired)) return undefined;
      // type and immutable data cannot change in place: replace the object.
      if (existing.immutable === true || (existing.type ?? "Opaque") !== desired.type) {
        await this.core.deleteNamespacedSecret({
          name,
          namespace,
          body: { preconditions: { uid: existing.metadata?.uid, resourceVersion: existing.metadata?.resourceVersion } },
        });
        return versionOf(await this.core.createNamespacedSecret({ namespace, body: desired }));
      }
      const body: V1Secret = {
        ...desired,
        metadata: {
          ...desired.metadata,
          resourceVersion: existing.metadata?.resourceVersion,
          finalizers: existing.metadata?.finalizers,
        },
      };
      return versionOf(await this.core.replaceNamespacedSecret({ name, namespace, body }));
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
    // Said once per new failure; a resync of the same failure is only debug noise.
    this.o.log[isNew ? "info" : "debug"]("not unsealed", { key: keyOf(sealed.metadata.namespace ?? "", sealed.metadata.name ?? ""), reason, message });
    // Recorded before the status that makes the failure old news: a crash in between records it again.
    if (isNew) {
      await this.o.audit.recordNow({
        ...eventBase(sealed),
        reason,
        type: "Warning",
        note: message,
        dataKeys: dataKey === undefined ? Object.keys(sealed.spec.encryptedData ?? {}).sort() : [dataKey],
      });
    }
    await this.setStatus(
      sealed,
      [condition("Ready", "False", reason, message), condition("Synced", "False", reason, message)],
      sealed.status?.keyIds ?? [],
      sealed.status?.secretResourceVersion,
    );
  }

  /** Writes status through the status subresource, only when it differs from what is there. */
  private async setStatus(
    sealed: SealedSecret,
    conditions: Omit<Condition, "lastTransitionTime">[],
    keyIds: string[],
    secretResourceVersion: string | undefined,
  ): Promise<void> {
    const generation = typeof sealed.metadata.generation === "number" ? sealed.metadata.generation : undefined;
    const current = sealed.status ?? {};
    const next: SealedSecretStatus = {
      observedGeneration: generation,
      keyIds,
      ...(secretResourceVersion === undefined ? {} : { secretResourceVersion }),
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

function versionOf(written: V1Secret): string {
  return written.metadata?.resourceVersion ?? "";
}

function ready(status: SealedSecretStatus | undefined, generation: unknown): boolean {
  const c = status?.conditions?.find((x) => x.type === "Ready");
  return c?.status === "True" && status?.observedGeneration === generation;
}

/**
 * Whether the status records the write that left `secret` as it is. A status written before the field existed
 * counts when it shows this generation unsealed: that controller recorded a write before its status.
 */
function recorded(sealed: Pick<SealedSecret, "metadata" | "status">, secret: CachedSecret): boolean {
  const version = sealed.status?.secretResourceVersion;
  if (version === undefined) return ready(sealed.status, sealed.metadata.generation);
  return version === secret.metadata?.resourceVersion;
}

/** Nothing to do: this generation was unsealed into the Secret as it is now, and that write was recorded. */
function upToDate(cached: CachedSealedSecret, secret: CachedSecret | undefined): boolean {
  if (secret === undefined || cached.status?.secretResourceVersion === undefined) return false;
  const owner = secret.metadata?.ownerReferences?.find((r) => r.controller === true);
  return (
    ready(cached.status, cached.metadata.generation) &&
    cached.status.secretResourceVersion === secret.metadata?.resourceVersion &&
    owner?.uid === cached.metadata.uid &&
    ownedBy(secret, cached)
  );
}

function refusedAsMalformed(sealed: Pick<SealedSecret, "metadata" | "status">): boolean {
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
export function ownedBy(secret: { metadata?: V1ObjectMeta }, sealed: Pick<SealedSecret, "metadata">): boolean {
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
      secretResourceVersion: s.secretResourceVersion,
      keyIds: s.keyIds ?? [],
      conditions: (s.conditions ?? [])
        .map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration])
        .sort((p, q) => byCodeUnits(String(p[0]), String(q[0]))),
    });
  return strip(a) === strip(b);
}
