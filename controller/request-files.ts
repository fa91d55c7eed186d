// Verify, Reencrypt and Migrate SealRequests: the CLI sends sealed files (as objects in spec.objects) to the controller,
// which alone holds the private keys, and gets per-object answers back. requests.ts hands over only requests in
// watched namespaces; here every object must sit in the request's own namespace, which is what makes RBAC on
// SealRequests per namespace meaningful (a request in namespace A cannot open B's strict/namespace values).
// One audit line and one Event per request, on the SealRequest: the objects are files, not cluster objects, so
// a failed value never produces a warning on a SealedSecret. The Event is written (retried across an outage)
// before the outcome is returned, so before requests.ts sets the phase: a crash in between leaves a request
// without a phase, which the next leader answers and records again. Migrate carries Bitnami SealedSecrets instead and needs
// Bitnami's keys, which the controller reads only when it was started with --bitnami-keys-namespace.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { InputError, keyIdOf, keyTypeOf, sealingRecipients } from "../src/index.js";
import type { PrivateKey, ValueOpener } from "../src/index.js";
import { isRecord } from "../src/records.js";
import { MAX_ANSWER_BYTES, MAX_REQUEST_OBJECTS, MAX_REQUEST_RECIPIENTS } from "../src/sealrequest.js";
import type { SealRequest, SealRequestResult } from "../src/sealrequest.js";
import type { BitnamiKey } from "../src/bitnami/crypto.js";
import type { Audit, AuditReason } from "./audit.js";
import type { KeyManager } from "./keys.js";
import type { Logger } from "./log.js";
import { migrateObject } from "./request-migrate.js";
import { labelOf, namespaceProblem, reencryptObject, verifyObject } from "./request-objects.js";
import type { ObjectResult, ResealTarget } from "./request-objects.js";
import type { Outcome } from "./request-outcome.js";

// Event reasons (also the audit line's `what`).
export const REASON_VERIFIED: AuditReason = "Verified";
export const REASON_VERIFY_FAILED: AuditReason = "VerifyFailed";
export const REASON_REENCRYPTED: AuditReason = "Reencrypted";
export const REASON_REENCRYPT_FAILED: AuditReason = "ReencryptFailed";
export const REASON_MIGRATED: AuditReason = "Migrated";
export const REASON_MIGRATE_FAILED: AuditReason = "MigrateFailed";

type FileAction = "Verify" | "Reencrypt" | "Migrate";
const REASONS: Record<FileAction, [ok: AuditReason, failed: AuditReason]> = {
  Verify: [REASON_VERIFIED, REASON_VERIFY_FAILED],
  Reencrypt: [REASON_REENCRYPTED, REASON_REENCRYPT_FAILED],
  Migrate: [REASON_MIGRATED, REASON_MIGRATE_FAILED],
};

const RETRY_MESSAGE = "not processed: the answer to this request reached its size limit; send this object again in a new SealRequest";

export interface FileRequestsOptions {
  keys: Pick<KeyManager, "privateKeys" | "publicKeys">;
  audit: Pick<Audit, "recordNow">;
  log: Logger;
  now?: () => Date;
  /** Bitnami's private keys, for Migrate; absent unless the controller was started with --bitnami-keys-namespace. */
  bitnamiKeys?: () => Promise<BitnamiKey[]>;
  /** The unseal pool's opener for a namespace (values wait in its lane, off the event loop); absent: this thread. */
  openerFor?: (namespace: string) => ValueOpener | undefined;
}

export class FileRequests {
  constructor(private readonly o: FileRequestsOptions) {}

  /** The outcome, or undefined when `stopped()` turned true midway (the next leader answers instead). */
  async fulfil(request: SealRequest, stopped: () => boolean): Promise<Outcome | undefined> {
    const namespace = request.metadata.namespace ?? "";
    const action: FileAction = request.spec.action === "Reencrypt" || request.spec.action === "Migrate" ? request.spec.action : "Verify";
    const objects: unknown = request.spec.objects;
    const refuse = (message: string): Promise<Outcome> => this.refuse(request, action, message);
    if (!Array.isArray(objects) || objects.length === 0) {
      return refuse(`spec.objects is empty: put the SealedSecrets to ${action.toLowerCase()} in spec.objects`);
    }
    if (objects.length > MAX_REQUEST_OBJECTS) {
      return refuse(`spec.objects holds ${objects.length} objects, more than ${MAX_REQUEST_OBJECTS}: split them over several SealRequests`);
    }
    let target: ResealTarget | undefined;
    if (action !== "Verify") {
      const checked = this.resealTarget(request.spec.recipients, `SealRequest ${namespace}/${request.metadata.name ?? ""}`);
      if (typeof checked === "string") return refuse(checked);
      target = checked;
    }
    let bitnamiKeys: BitnamiKey[] | undefined;
    if (action === "Migrate") {
      if (this.o.bitnamiKeys === undefined) {
        return refuse("this controller was not given Bitnami's keys: start it with --bitnami-keys-namespace (Bitnami's namespace, e.g. kube-system) and apply manifests/bitnami-migration/");
      }
      bitnamiKeys = await this.o.bitnamiKeys(); // a SealError here fails the request with its message
    }

    const keys = this.o.keys.privateKeys(); // one snapshot: a rotation midway does not mix key sets in one answer
    const results: SealRequestResult[] = [];
    let answerBytes = 2;
    let full = false;
    for (const [index, object] of objects.entries()) {
      if (stopped()) return undefined;
      let result = full ? retry(object) : await this.one(object, namespace, keys, target, bitnamiKeys);
      const size = JSON.stringify(result).length + 1;
      if (!full && answerBytes + size > MAX_ANSWER_BYTES) {
        full = true;
        result = retry(object);
      }
      answerBytes += full ? JSON.stringify(result).length + 1 : size;
      results.push({ index, ...result });
      // Crypto is synchronous inside: between objects, let key requests, status writes and the reconcile loop run.
      await yieldToEventLoop();
    }
    return this.answer(request, action, objects, results, target);
  }

  private async one(object: unknown, namespace: string, keys: PrivateKey[], target: ResealTarget | undefined, bitnamiKeys: BitnamiKey[] | undefined): Promise<ObjectResult> {
    const foreign = namespaceProblem(object, namespace);
    if (foreign !== undefined) return { object: labelOf(object), ok: false, message: foreign };
    if (bitnamiKeys !== undefined && target !== undefined) return migrateObject(object, bitnamiKeys, target);
    const openValue = this.o.openerFor?.(namespace);
    const options = openValue === undefined ? {} : { openValue };
    return target === undefined ? verifyObject(object, keys, options) : reencryptObject(object, keys, target, options);
  }

  /** The current keys plus valid extra recipients, or a message saying what is wrong with spec.recipients. */
  private resealTarget(recipients: unknown, what: string): ResealTarget | string {
    const list = recipients ?? [];
    if (!Array.isArray(list)) return "spec.recipients must be a list of age recipients (age1... or age1pq1...)";
    if (list.length > MAX_REQUEST_RECIPIENTS) return `spec.recipients holds ${list.length} recipients, more than ${MAX_REQUEST_RECIPIENTS}`;
    for (const [i, recipient] of list.entries()) {
      // Never echo the string: a private key pasted here by mistake must not reach the status or a log.
      if (typeof recipient === "string" && /^AGE-(SECRET|PLUGIN)-KEY-/i.test(recipient.trim())) {
        return `spec.recipients[${i}] is a private age identity, not a recipient: delete this SealRequest, pass its public key (age1...) instead, and replace that identity, which is now exposed`;
      }
      try {
        if (typeof recipient !== "string") throw new InputError("not a string", "");
        keyTypeOf(recipient);
      } catch {
        return `spec.recipients[${i}] is not an age X25519 (age1...) or post-quantum (age1pq1...) recipient: copy the public key line from age-keygen or a kubectl-seal key bundle`;
      }
    }
    const extra = list as string[];
    const keys = this.o.keys.publicKeys();
    const now = this.o.now?.() ?? new Date();
    try {
      const ids = new Set(sealingRecipients(keys, extra, now, what).map(keyIdOf));
      return { keys, recipients: extra, ids, now };
    } catch (err) {
      if (err instanceof InputError) return err.message;
      throw err;
    }
  }

  private async answer(
    request: SealRequest,
    action: FileAction,
    objects: unknown[],
    results: SealRequestResult[],
    target: ResealTarget | undefined,
  ): Promise<Outcome> {
    const failed = results.filter((r) => !r.ok);
    const resealed = results.reduce((n, r) => n + Object.keys(r.encryptedData ?? {}).length, 0);
    const verb = action === "Migrate" ? "Migrated" : "Re-encrypted";
    const summary =
      action === "Verify"
        ? `Verified ${results.length} object(s): ${results.length - failed.length} ok, ${failed.length} failed`
        : `${verb} ${resealed} value(s) in ${results.length} object(s) to key(s) ${[...(target?.ids ?? [])].join(", ")}; ` +
          `${failed.length} object(s) failed`;
    const failures = failed.map((r) => `${r.object} (${r.retry === true ? "retry" : (r.reason ?? "refused")})`);
    const keyIds = new Set(results.flatMap((r) => [...(r.keyIds ?? []), ...Object.values(r.sealedTo ?? {}).flat()]));
    await this.o.audit.recordNow({
      reason: REASONS[action][failed.length > 0 ? 1 : 0],
      type: failed.length > 0 ? "Warning" : "Normal",
      regarding: requestRef(request),
      note: failures.length > 0 ? `${summary}: ${failures.join(", ")}` : summary,
      keyIds: [...keyIds],
      objects: objects.map(labelOf),
      dataKeys: objects.flatMap(dataKeyNames),
    });
    return { phase: "Complete", message: summary, results };
  }

  /** A request that cannot be worked on at all: Failed, with one audit line and Event saying why. */
  private async refuse(request: SealRequest, action: FileAction, message: string): Promise<Outcome> {
    await this.o.audit.recordNow({
      reason: REASONS[action][1],
      type: "Warning",
      regarding: requestRef(request),
      note: message,
    });
    return { phase: "Failed", message };
  }
}

function retry(object: unknown): ObjectResult {
  return { object: labelOf(object), ok: false, retry: true, message: RETRY_MESSAGE };
}

function requestRef(request: SealRequest): { apiVersion: string; kind: string; name: string; namespace: string; uid?: string } {
  const ref = { apiVersion: request.apiVersion, kind: request.kind, name: request.metadata.name ?? "", namespace: request.metadata.namespace ?? "" };
  return request.metadata.uid === undefined ? ref : { ...ref, uid: request.metadata.uid };
}

/** "name/dataKey" for each value of an object (names only, for the audit line). */
function dataKeyNames(object: unknown): string[] {
  const spec = isRecord(object) && isRecord(object["spec"]) ? object["spec"] : {};
  const encrypted = isRecord(spec["encryptedData"]) ? spec["encryptedData"] : {};
  const name = labelOf(object).split("/").pop() ?? "";
  return Object.keys(encrypted).map((key) => `${name}/${key}`);
}
