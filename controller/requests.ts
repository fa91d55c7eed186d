// SealRequests: operations asked of the controller through the Kubernetes API, so RBAC decides who may ask.
// This file watches them, hands each new one to the handler for its action, writes the outcome into status and
// cleans finished file requests up; the work itself is in request-keys.ts and request-files.ts.
//
//   Rotate, Retire     only in the controller's OWN namespace: whoever may create SealRequests there manages keys.
//   Verify, Reencrypt, Migrate  in every WATCHED namespace (all by default), each about that namespace's files only.
//
// Lanes: key requests run one at a time (each reads and writes the stored keys); file requests run beside them,
// a few at once, and yield between objects, so a big Reencrypt never holds up a Rotate for long.
// A request is looked at once: after its status has a phase it is never run again (a restart skips it too).
// Every outcome is recorded before its phase is written: file requests and refused key requests record their own
// (request-files.ts, request-keys.ts), a completed Rotate/Retire by its key Events (keys.ts), and a request that
// failed on an error is recorded here, as <Action>Failed on the request.
// Finished Verify/Reencrypt/Migrate requests are deleted spec.ttlSecondsAfterFinished after completion (Jobs do the same);
// Rotate/Retire requests stay as the record of key changes.
import { setTimeout as sleep } from "node:timers/promises";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig, KubernetesListObject, KubernetesObject } from "@kubernetes/client-node";
import { API_VERSION } from "../src/index.js";
import type { ValueOpener } from "../src/index.js";
import { DEFAULT_TTL_SECONDS, SEALREQUEST_PLURAL } from "../src/sealrequest.js";
import type { SealRequest, SealRequestStatus } from "../src/sealrequest.js";
import type { BitnamiKey } from "../src/bitnami/crypto.js";
import type { Audit, AuditReason } from "./audit.js";
import { describeApiError, statusOf } from "./audit.js";
import { isNotLeader } from "./fenced-kubeconfig.js";
import { buildCache } from "./informer.js";
import type { ResourceCache } from "./informer.js";
import type { KeyManager } from "./keys.js";
import type { Logger } from "./log.js";
import { FileRequests } from "./request-files.js";
import { KeyRequests } from "./request-keys.js";
import type { Outcome } from "./request-outcome.js";

const [GROUP, VERSION] = API_VERSION.split("/") as [string, string];
const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
/** File requests worked on at once; the crypto is on one thread, so more would only stretch each answer. */
const FILE_REQUESTS_AT_ONCE = 2;
const STATUS_WRITE_ATTEMPTS = 6;
const STATUS_RETRY_BASE_MS = 500;

type Watched = SealRequest & KubernetesObject;

const FAILED: Partial<Record<string, AuditReason>> = {
  Rotate: "RotateFailed",
  Retire: "RetireFailed",
  Verify: "VerifyFailed",
  Reencrypt: "ReencryptFailed",
  Migrate: "MigrateFailed",
};

export interface SealRequestHandlerOptions {
  kc: KubeConfig;
  /** The controller's namespace: the only one whose Rotate and Retire requests count. */
  namespace: string;
  /** Namespaces whose Verify and Reencrypt requests are answered; empty means all. */
  watchNamespaces?: string[];
  keys: Pick<KeyManager, "rotateNow" | "retire" | "privateKeys" | "publicKeys">;
  audit: Pick<Audit, "recordNow">;
  log: Logger;
  /** Bitnami's private keys for Migrate requests (--bitnami-keys-namespace); without it Migrate is refused. */
  bitnamiKeys?: () => Promise<BitnamiKey[]>;
  /** Where Verify and Reencrypt open values: the unseal pool's lane of the request's namespace, once there is one. */
  openerFor?: (namespace: string) => ValueOpener | undefined;
}

/** Runs tasks with at most `limit` at once, in arrival order. */
class Lane {
  private running = 0;
  private readonly waiting: (() => Promise<void>)[] = [];
  private all = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  add(task: () => Promise<void>): void {
    this.waiting.push(task);
    this.next();
  }

  /** Resolves once nothing runs or waits. */
  async idle(): Promise<void> {
    while (this.all.size > 0) await Promise.allSettled([...this.all]);
  }

  private next(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const task = this.waiting.shift() as () => Promise<void>;
      this.running += 1;
      const run = task().finally(() => {
        this.running -= 1;
        this.all.delete(run);
        this.next();
      });
      this.all.add(run);
    }
  }
}

export class SealRequestHandler {
  private readonly api: CustomObjectsApi;
  private readonly cache: ResourceCache<Watched>;
  private readonly log: Logger;
  private readonly keyRequests: KeyRequests;
  private readonly fileRequests: FileRequests;
  private readonly keyLane = new Lane(1);
  private readonly fileLane = new Lane(FILE_REQUESTS_AT_ONCE);
  private readonly watched: Set<string> | undefined;
  /** uids being worked on or already finished by this process (the status write may lag behind the watch). */
  private readonly seen = new Set<string>();
  /** uid -> timer deleting the finished request. */
  private readonly cleanups = new Map<string, NodeJS.Timeout>();
  private stopped = true;

  constructor(private readonly opts: SealRequestHandlerOptions) {
    this.api = opts.kc.makeApiClient(CustomObjectsApi);
    this.log = opts.log.with({ component: "requests" });
    const watch = opts.watchNamespaces ?? [];
    this.watched = watch.length === 0 ? undefined : new Set(watch);
    // All namespaces, or the watched ones plus our own. The restarting cache keeps the watch alive through errors
    // (client-node's informer stops for good on anything but 410) and retries while the CRD is missing.
    const namespaces = watch.length === 0 ? [] : [...new Set([...watch, opts.namespace])];
    this.cache = buildCache<Watched>(
      opts.kc,
      {
        path: (ns) => `/apis/${GROUP}/${VERSION}${ns ? `/namespaces/${ns}` : ""}/${SEALREQUEST_PLURAL}`,
        list: async (ns) =>
          (ns
            ? await this.api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: SEALREQUEST_PLURAL })
            : await this.api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: SEALREQUEST_PLURAL })) as KubernetesListObject<Watched>,
      },
      namespaces,
      (request, verb) => (verb === "delete" ? this.forget(request) : this.consider(request)),
      this.log.with({ resource: SEALREQUEST_PLURAL }),
    );
    this.keyRequests = new KeyRequests(opts.kc, opts.keys, opts.audit);
    this.fileRequests = new FileRequests({
      keys: opts.keys,
      audit: opts.audit,
      log: this.log,
      ...(opts.bitnamiKeys === undefined ? {} : { bitnamiKeys: opts.bitnamiKeys }),
      ...(opts.openerFor === undefined ? {} : { openerFor: opts.openerFor }),
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.cache.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.cleanups.values()) clearTimeout(timer);
    this.cleanups.clear();
    await this.cache.stop();
    await this.idle();
  }

  /** Resolves once every request handed to the handler so far has been processed (for tests). */
  async idle(): Promise<void> {
    await Promise.all([this.keyLane.idle(), this.fileLane.idle()]);
  }

  private consider(request: Watched): void {
    const uid = request.metadata.uid ?? "";
    if (request.status?.phase !== undefined) {
      this.scheduleCleanup(request);
      return;
    }
    if (this.seen.has(uid) || this.stopped) return;
    const namespace = request.metadata.namespace ?? "";
    switch (request.spec?.action) {
      case "Rotate":
      case "Retire":
        if (namespace !== this.opts.namespace) return; // not the controller's business, whoever could create it
        this.seen.add(uid);
        this.keyLane.add(() => this.handle(request, () => this.keyRequests.fulfil(request, `${namespace}/${request.metadata.name ?? ""}`)));
        return;
      case "Verify":
      case "Reencrypt":
      case "Migrate":
        if (this.watched !== undefined && !this.watched.has(namespace)) return;
        this.seen.add(uid);
        this.fileLane.add(() => this.handle(request, () => this.fileRequests.fulfil(request, () => this.stopped)));
        return;
      default:
        return;
    }
  }

  private forget(request: Watched): void {
    const uid = request.metadata.uid ?? "";
    this.seen.delete(uid);
    clearTimeout(this.cleanups.get(uid));
    this.cleanups.delete(uid);
  }

  private async handle(request: Watched, fulfil: () => Promise<Outcome | undefined>): Promise<void> {
    const where = `${request.metadata.namespace ?? ""}/${request.metadata.name ?? ""}`;
    this.log.debug("SealRequest started", { request: where, action: request.spec.action });
    let outcome: Outcome | undefined;
    try {
      outcome = await fulfil();
    } catch (err) {
      // No longer leader (a record or key write was fenced): leave the request to the next leader. SealErrors carry
      // a message meant for people; anything else is an API problem worth retrying by hand.
      outcome = isNotLeader(err) ? undefined : await this.failed(request, describeApiError(err));
    }
    if (outcome === undefined) {
      this.seen.delete(request.metadata.uid ?? ""); // stopped midway or lost the lease: the next leader answers it
      return;
    }
    const results = outcome.results === undefined ? {} : { objects: outcome.results.length, failed: outcome.results.filter((r) => !r.ok).length };
    this.log.info("SealRequest handled", { request: where, action: request.spec.action, phase: outcome.phase, message: outcome.message, ...results });
    await this.writeStatus(request, where, { ...outcome, completionTime: new Date().toISOString() });
  }

  /**
   * A request that failed on an error: its Event (written before the phase, as every outcome's), then the outcome;
   * undefined when the Event was fenced off (no longer leader).
   */
  private async failed(request: Watched, message: string): Promise<Outcome | undefined> {
    const { name = "", namespace = "", uid } = request.metadata;
    try {
      await this.opts.audit.recordNow({
        reason: FAILED[request.spec.action] ?? "VerifyFailed",
        type: "Warning",
        regarding: { apiVersion: request.apiVersion ?? API_VERSION, kind: request.kind ?? "SealRequest", name, namespace, ...(uid === undefined ? {} : { uid }) },
        note: message,
      });
    } catch (err) {
      if (isNotLeader(err)) return undefined;
      throw err;
    }
    return { phase: "Failed", message };
  }

  /**
   * Merge-patches status (client-node needs the Content-Type spelled out), retrying API trouble with backoff. An
   * answer the API server refuses as such (too large, invalid) is replaced by a Failed status saying so.
   */
  private async writeStatus(request: Watched, where: string, status: SealRequestStatus): Promise<void> {
    let body = status;
    for (let attempt = 1; attempt <= STATUS_WRITE_ATTEMPTS && !this.stopped; attempt++) {
      try {
        await this.api.patchNamespacedCustomObjectStatus(
          {
            group: GROUP,
            version: VERSION,
            namespace: request.metadata.namespace ?? "",
            plural: SEALREQUEST_PLURAL,
            name: request.metadata.name ?? "",
            body: { status: body },
          },
          MERGE_PATCH,
        );
        return;
      } catch (err) {
        const code = statusOf(err);
        if (code === 404) return; // deleted meanwhile: nobody is waiting for the answer
        this.log.warn("could not write SealRequest status", { request: where, attempt, error: describeApiError(err) });
        if ((code === 413 || code === 422 || (code === 500 && /too large/i.test(describeApiError(err)))) && body.results !== undefined) {
          body = {
            phase: "Failed",
            completionTime: status.completionTime,
            message: `the answer could not be stored (${describeApiError(err)}): send fewer or smaller objects per SealRequest`,
          };
          continue;
        }
        await sleep(STATUS_RETRY_BASE_MS * 2 ** (attempt - 1));
      }
    }
    this.seen.delete(request.metadata.uid ?? ""); // let a later event of the request bring it back
  }

  /** Deletes a finished Verify/Reencrypt/Migrate request once its time-to-live after completion has passed. */
  private scheduleCleanup(request: Watched): void {
    const uid = request.metadata.uid ?? "";
    const action = request.spec?.action;
    if ((action !== "Verify" && action !== "Reencrypt" && action !== "Migrate") || this.cleanups.has(uid) || this.stopped) return;
    if (this.watched !== undefined && !this.watched.has(request.metadata.namespace ?? "")) return;
    const ttl = request.spec.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS;
    const finished = Date.parse(request.status?.completionTime ?? "") || Date.now();
    const delay = Math.max(0, finished + ttl * 1000 - Date.now());
    const timer = setTimeout(() => void this.remove(request), delay);
    timer.unref();
    this.cleanups.set(uid, timer);
  }

  private async remove(request: Watched): Promise<void> {
    const { name = "", namespace = "", uid } = request.metadata;
    try {
      // The uid precondition keeps a newer request that reuses the name safe.
      await this.api.deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: SEALREQUEST_PLURAL,
        name,
        body: uid === undefined ? {} : { preconditions: { uid } },
      });
      this.log.debug("deleted finished SealRequest", { request: `${namespace}/${name}` });
    } catch (err) {
      const code = statusOf(err);
      if (code !== 404 && code !== 409) this.log.warn("could not delete finished SealRequest", { request: `${namespace}/${name}`, error: describeApiError(err) });
      this.cleanups.delete(uid ?? "");
    }
  }
}
