// Audit trail: every notable step becomes an events.k8s.io/v1 Event on the object concerned and one JSON
// audit line on stdout. Repeats of the same event bump the Event's series instead of creating new Events.
// Only names, ids and reasons are recorded here: callers must never pass a secret value.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { EventsV1Api, PatchStrategy, V1MicroTime, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "./log.js";

export type AuditReason =
  | "Unsealed"
  | "UnsealFailed"
  | "SecretConflict"
  | "KeyGenerated"
  | "KeyRotated"
  | "KeyRetired"
  | "Verified"
  | "VerifyFailed"
  | "Reencrypted"
  | "ReencryptFailed";

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
  Verified: "Verify",
  VerifyFailed: "Verify",
  Reencrypted: "Reencrypt",
  ReencryptFailed: "Reencrypt",
};

// Events recorded recently, so that a repeat becomes a series bump. Bounded: the oldest entries are dropped.
const MAX_REMEMBERED = 1000;
const NOTE_LIMIT = 1024;

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
}

export class Audit {
  private readonly events: EventsV1Api;
  private readonly log: Logger;
  private readonly who: string;
  private readonly instance: string;
  private readonly write: (line: string) => void;
  private readonly recorded = new Map<string, Recorded>();

  constructor(opts: AuditOptions) {
    this.events = opts.kc.makeApiClient(EventsV1Api);
    this.log = opts.log.with({ component: "audit" });
    this.instance = (opts.instance ?? process.env.POD_NAME ?? hostname()).slice(0, 128);
    this.who = `${opts.controllerName}/${this.instance}`;
    this.write = opts.write ?? ((line) => process.stdout.write(line + "\n"));
  }

  /** Writes the audit line and the Event. Never throws: a failure to record is logged. */
  async record(e: AuditEvent): Promise<void> {
    const note = e.note.length > NOTE_LIMIT ? e.note.slice(0, NOTE_LIMIT - 3) + "..." : e.note;
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
      await this.writeEvent({ ...e, note });
    } catch (err) {
      this.log.warn("could not record audit event", {
        reason: e.reason,
        object: `${namespace}/${name}`,
        error: describeApiError(err),
      });
    }
  }

  private async writeEvent(e: AuditEvent): Promise<void> {
    const namespace = e.regarding.namespace || "default";
    const dedupKey = [e.regarding.uid ?? `${namespace}/${e.regarding.name}`, e.reason, e.note].join("\u0000");
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
