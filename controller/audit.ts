// Audit trail: every notable step becomes an events.k8s.io/v1 Event on the object concerned and one JSON
// audit line on stdout. Repeats of the same event bump the Event's series instead of creating new Events.
// recordNow() writes the audit line at once, then the Event, and resolves only then: every caller marks its step
// done afterwards, so a SIGKILL cannot lose a record (reconcile.ts writes it before the status that says the Secret
// write was recorded, keys.ts before it clears a key Secret's seal.dev/unrecorded mark or changes the bundle,
// request-files.ts before the SealRequest's phase is set). No Event waits in memory. An Event is retried with
// backoff across an API server outage for up to EVENT_RETRY_MS, then dropped and counted
// (seal_events_dropped_total); on shutdown, hurry() shortens that to the grace period. Only names, ids and reasons
// are recorded here: callers must never pass a secret value.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { EventsV1Api, PatchStrategy, V1MicroTime, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { isNotLeader } from "./fenced-kubeconfig.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";

export type AuditReason =
  | "Unsealed"
  | "UnsealFailed"
  | "SecretConflict"
  | "KeyGenerated"
  | "KeyRotated"
  | "KeyRetired"
  | "RotateFailed"
  | "RetireFailed"
  | "Verified"
  | "VerifyFailed"
  | "Reencrypted"
  | "ReencryptFailed"
  | "Migrated"
  | "MigrateFailed"
  | "SecretAdopted";

export interface AuditEvent {
  reason: AuditReason;
  type: "Normal" | "Warning";
  regarding: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string };
  /** Human-readable, at most 1 kB; names and reasons only. */
  note: string;
  /** Ids of the sealing keys involved. */
  keyIds?: string[];
  /** Names (never values) of the Secret data keys involved. */
  dataKeys?: string[];
  /** Names of the objects involved besides `regarding` (e.g. the files of a SealRequest). */
  objects?: string[];
}

/** What kubectl shows in the Event's reportingController column. */
export const REPORTING_CONTROLLER = "seal.dev/controller";

const ACTIONS: Record<AuditReason, string> = {
  Unsealed: "Unseal",
  UnsealFailed: "Unseal",
  SecretConflict: "Unseal",
  KeyGenerated: "GenerateKey",
  KeyRotated: "RotateKey",
  KeyRetired: "RetireKey",
  RotateFailed: "RotateKey",
  RetireFailed: "RetireKey",
  Verified: "Verify",
  VerifyFailed: "Verify",
  Reencrypted: "Reencrypt",
  ReencryptFailed: "Reencrypt",
  Migrated: "Migrate",
  MigrateFailed: "Migrate",
  SecretAdopted: "Adopt",
};

// Events recorded recently, so that a repeat becomes a series bump. Bounded: the oldest entries are dropped.
const MAX_REMEMBERED = 1000;
const NOTE_LIMIT = 1024;
// How long one Event is retried (API server restarting, 5xx, 429) before it is dropped, and the pauses between.
export const EVENT_RETRY_MS = 60_000;
const EVENT_BACKOFF_BASE_MS = 250;
const EVENT_BACKOFF_MAX_MS = 4_000;

interface Recorded {
  name: string;
  namespace: string;
  count: number;
}

export interface AuditOptions {
  kc: KubeConfig;
  log: Logger;
  /** Who acts: written as `who` in audit lines (e.g. "kubectl-seal-controller"). */
  controllerName: string;
  /** reportingInstance of Events; default POD_NAME or the host name. */
  instance?: string;
  /** Where audit lines go; default stdout. */
  write?: (line: string) => void;
  /** Counts Events dropped (still failing after EVENT_RETRY_MS, or refused). */
  metrics?: Pick<Metrics, "eventsDropped">;
  /** Default EVENT_RETRY_MS. */
  eventRetryMs?: number;
}

export class Audit {
  private readonly events: EventsV1Api;
  private readonly log: Logger;
  private readonly who: string;
  private readonly instance: string;
  private readonly write: (line: string) => void;
  private readonly recorded = new Map<string, Recorded>();
  private readonly retryMs: number;
  private readonly dropped: () => void;
  /** Deliveries started before hurriedAt give up at hurryUntil (shutdown); later ones retry in full. */
  private hurriedAt = 0;
  private hurryUntil = Infinity;

  constructor(opts: AuditOptions) {
    this.retryMs = opts.eventRetryMs ?? EVENT_RETRY_MS;
    this.dropped = () => opts.metrics?.eventsDropped.inc();
    this.events = opts.kc.makeApiClient(EventsV1Api);
    this.log = opts.log.with({ component: "audit" });
    this.instance = (opts.instance ?? process.env.POD_NAME ?? hostname()).slice(0, 128);
    this.who = `${opts.controllerName}/${this.instance}`;
    this.write = opts.write ?? ((line) => process.stdout.write(line + "\n"));
  }

  /**
   * Writes the audit line (unless `lineWritten`: a retry of a step whose line is out already), then the Event,
   * retrying across an outage; resolves once the Event is written or dropped (counted). Rejects only with the
   * fence's NotLeaderError: the caller must not mark the step done, the next leader records it.
   */
  async recordNow(e: AuditEvent, lineWritten = false): Promise<void> {
    const written = lineWritten ? { ...e, note: clip(e.note) } : this.line(e);
    if (written !== undefined) await this.deliver(written);
  }

  /** The audit line; returns the event with its note clipped, or undefined if the line could not be written. */
  private line(e: AuditEvent): AuditEvent | undefined {
    const note = clip(e.note);
    const { apiVersion, kind, name, namespace, uid } = e.regarding;
    try {
      this.write(
        JSON.stringify({
          time: new Date().toISOString(),
          audit: true,
          who: this.who,
          what: e.reason,
          type: e.type,
          object: { apiVersion, kind, namespace, name, uid },
          note,
          keyIds: e.keyIds ?? [],
          dataKeys: e.dataKeys ?? [],
          ...(e.objects === undefined ? {} : { objects: e.objects }),
        }),
      );
    } catch (err) {
      this.warnNotRecorded(e, err);
      return undefined;
    }
    return { ...e, note };
  }

  /** Events being retried now stop retrying at `deadline` (epoch ms): for a shutdown within a grace period. */
  hurry(deadline: number): void {
    this.hurriedAt = Date.now();
    this.hurryUntil = deadline;
  }

  private warnNotRecorded(e: AuditEvent, err: unknown): void {
    this.log.warn("could not record audit event", {
      reason: e.reason,
      object: `${e.regarding.namespace}/${e.regarding.name}`,
      error: describeApiError(err),
    });
  }

  /** Writes the Event, retrying transient failures with backoff for up to retryMs; then drops it (counted). */
  private async deliver(e: AuditEvent): Promise<void> {
    const started = Date.now();
    const giveUpAt = started + this.retryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.createOrBumpEvent(e);
        return;
      } catch (err) {
        if (isNotLeader(err)) throw err;
        const delay = Math.min(EVENT_BACKOFF_MAX_MS, EVENT_BACKOFF_BASE_MS * 2 ** Math.min(attempt, 10));
        const deadline = started <= this.hurriedAt ? Math.min(giveUpAt, this.hurryUntil) : giveUpAt;
        if (!transient(err) || Date.now() + delay > deadline) {
          this.dropped();
          this.log.warn("Event dropped (the audit line was written)", {
            reason: e.reason,
            object: `${e.regarding.namespace}/${e.regarding.name}`,
            attempts: attempt + 1,
            error: describeApiError(err),
          });
          return;
        }
        this.log.debug("Event not written yet, retrying", { reason: e.reason, delayMs: delay, error: describeApiError(err) });
        await sleep(delay);
      }
    }
  }

  private async createOrBumpEvent(e: AuditEvent): Promise<void> {
    const namespace = e.regarding.namespace || "default";
    const dedupKey = seriesKey(e);
    const previous = this.recorded.get(dedupKey);
    const now = new V1MicroTime();
    if (previous) {
      const count = previous.count + 1;
      try {
        const patch = { series: { count, lastObservedTime: now } };
        await this.events.patchNamespacedEvent(
          { name: previous.name, namespace: previous.namespace, body: patch },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        );
        previous.count = count;
        this.remember(dedupKey, previous);
        return;
      } catch (err) {
        // The Event may have expired (the API server drops Events after an hour): start a new one.
        if (statusOf(err) !== 404) throw err;
      }
    }
    const eventName = `${e.regarding.name}.${randomBytes(8).toString("hex")}`;
    await this.events.createNamespacedEvent({
      namespace,
      body: {
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        metadata: { name: eventName, namespace },
        eventTime: now,
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.instance,
        action: ACTIONS[e.reason],
        reason: e.reason,
        type: e.type,
        note: e.note,
        regarding: e.regarding,
      },
    });
    this.remember(dedupKey, { name: eventName, namespace, count: 1 });
  }

  private remember(key: string, value: Recorded): void {
    this.recorded.delete(key);
    this.recorded.set(key, value);
    if (this.recorded.size > MAX_REMEMBERED) {
      const oldest = this.recorded.keys().next().value;
      if (oldest !== undefined) this.recorded.delete(oldest);
    }
  }
}

function clip(note: string): string {
  return note.length > NOTE_LIMIT ? note.slice(0, NOTE_LIMIT - 3) + "..." : note;
}

/** Worth retrying: no answer at all (connection refused or reset), throttling, or a server-side error. */
function transient(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status === 429 || status >= 500;
}

/** Events with the same key are one series: repeats bump the first one's count. */
function seriesKey(e: AuditEvent): string {
  const namespace = e.regarding.namespace || "default";
  return [e.regarding.uid ?? `${namespace}/${e.regarding.name}`, e.reason, e.note].join("\u0000");
}

/** HTTP status of a client-node ApiException (or a watch error), if any. */
export function statusOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === "number") return e.code;
  if (typeof e.statusCode === "number") return e.statusCode;
  return undefined;
}

/** A short description of an API error for logs: status code and the server's message, never a request body. */
export function describeApiError(err: unknown): string {
  const status = statusOf(err);
  if (status !== undefined) {
    const body = (err as { body?: unknown }).body;
    let message: unknown;
    if (typeof body === "string") {
      try {
        message = (JSON.parse(body) as { message?: unknown }).message;
      } catch {
        message = undefined;
      }
    } else if (typeof body === "object" && body !== null) {
      message = (body as { message?: unknown }).message;
    }
    return typeof message === "string" ? `HTTP ${status}: ${message}` : `HTTP ${status}`;
  }
  if (err instanceof Error) return err.message.split("\n")[0] ?? err.name;
  return String(err);
}
