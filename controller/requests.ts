// SealRequests: key operations asked for through the Kubernetes API, so RBAC decides who may ask. The
// controller acts only on requests in ITS OWN namespace: whoever may create SealRequests there may rotate and
// retire keys. It fulfils Rotate and Retire, writes the outcome into status (phase, message, completionTime)
// and never looks at a request again once it has a phase. Verify and Reencrypt belong to other handlers.
//
// A request runs at least once: if the leader dies between the key operation and the status write, the next
// leader repeats it. That is safe: a second rotation only adds a key, a second retirement changes nothing.
import { CustomObjectsApi, PatchStrategy, makeInformer, setHeaderOptions } from "@kubernetes/client-node";
import type { Informer, KubeConfig, KubernetesListObject, KubernetesObject, ObjectCache } from "@kubernetes/client-node";
import { API_VERSION } from "../src/index.js";
import type { SealedSecret } from "../src/index.js";
import { describeApiError } from "./audit.js";
import type { KeyManager } from "./keys.js";
import type { Logger } from "./log.js";

const [GROUP, VERSION] = API_VERSION.split("/") as [string, string];
export const SEALREQUEST_PLURAL = "sealrequests";
const RESTART_BASE_MS = 1_000;
const RESTART_MAX_MS = 30_000;

export type SealRequestAction = "Rotate" | "Retire" | "Verify" | "Reencrypt";

export interface SealRequest extends KubernetesObject {
  spec?: { action?: SealRequestAction; keyId?: string; force?: boolean; reason?: string };
  status?: { phase?: "Complete" | "Failed"; message?: string; completionTime?: string; keyIds?: string[] };
}

type Outcome = { phase: "Complete" | "Failed"; message: string; keyIds?: string[] };

export interface SealRequestHandlerOptions {
  kc: KubeConfig;
  /** The controller's namespace: the only one whose requests count. */
  namespace: string;
  keys: Pick<KeyManager, "rotateNow" | "retire">;
  log: Logger;
}

export class SealRequestHandler {
  private readonly api: CustomObjectsApi;
  private readonly informer: Informer<SealRequest> & ObjectCache<SealRequest>;
  private readonly log: Logger;
  /** uids being worked on or already finished by this process (the status write may lag behind the watch). */
  private readonly seen = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = true;
  private failures = 0;

  constructor(private readonly opts: SealRequestHandlerOptions) {
    this.api = opts.kc.makeApiClient(CustomObjectsApi);
    this.log = opts.log.with({ component: "requests" });
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${opts.namespace}/${SEALREQUEST_PLURAL}`;
    this.informer = makeInformer<SealRequest>(
      opts.kc,
      path,
      async () => {
        const list = await this.api.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: opts.namespace,
          plural: SEALREQUEST_PLURAL,
        });
        this.failures = 0;
        return list as KubernetesListObject<SealRequest>;
      },
    );
    this.informer.on("add", (r) => this.consider(r));
    this.informer.on("update", (r) => this.consider(r));
    // client-node's informer stops for good on most errors; keep it going (it resumes or relists).
    this.informer.on("error", (err: unknown) => {
      if (this.stopped) return;
      this.log.warn("SealRequest watch failed; restarting", { error: describeApiError(err) });
      this.restartLater();
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.startInformer();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
    await this.chain;
  }

  /** Resolves once every request handed to the handler so far has been processed (for tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  private async startInformer(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.informer.start();
    } catch (err) {
      // e.g. the SealRequest CRD is not installed yet: keep trying, ever more slowly.
      this.log.warn("SealRequest list failed; retrying", { error: describeApiError(err) });
      this.restartLater();
    }
  }

  private restartLater(): void {
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** this.failures++);
    setTimeout(() => void this.startInformer(), delay).unref();
  }

  private consider(request: SealRequest): void {
    const uid = request.metadata?.uid ?? "";
    const action = request.spec?.action;
    if (request.status?.phase !== undefined || this.seen.has(uid)) return;
    if (action !== "Rotate" && action !== "Retire") return;
    this.seen.add(uid);
    this.chain = this.chain.then(() => this.handle(request));
  }

  private async handle(request: SealRequest): Promise<void> {
    const name = request.metadata?.name ?? "";
    const where = `${this.opts.namespace}/${name}`;
    let outcome: Outcome;
    try {
      outcome = await this.fulfil(request, where);
    } catch (err) {
      // SealErrors carry a message meant for people; anything else is an API problem worth retrying by hand.
      outcome = { phase: "Failed", message: describeApiError(err) };
    }
    this.log.info("SealRequest handled", { request: where, action: request.spec?.action, phase: outcome.phase, message: outcome.message });
    try {
      await this.api.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: this.opts.namespace,
          plural: SEALREQUEST_PLURAL,
          name,
          body: { status: { ...outcome, completionTime: new Date().toISOString() } },
        },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    } catch (err) {
      this.log.warn("could not write SealRequest status", { request: where, error: describeApiError(err) });
      this.seen.delete(request.metadata?.uid ?? "");
    }
  }

  private async fulfil(request: SealRequest, where: string): Promise<Outcome> {
    const spec = request.spec ?? {};
    const why = spec.reason ? `SealRequest ${where}: ${spec.reason}` : `SealRequest ${where}`;
    if (spec.action === "Rotate") {
      const keys = await this.opts.keys.rotateNow(why);
      return { phase: "Complete", message: `Rotated: now sealing to ${keys.map((k) => k.id).join(", ")}`, keyIds: keys.map((k) => k.id) };
    }
    const keyId = spec.keyId ?? "";
    if (keyId === "") return { phase: "Failed", message: "spec.keyId is required for Retire: set it to the id of the key to retire" };
    if (spec.force !== true) {
      const users = await this.sealedSecretsUsing(keyId);
      if (users.length > 0) {
        const namespaces = [...new Set(users)].sort();
        return {
          phase: "Failed",
          message:
            `key ${keyId} is still used by ${users.length} SealedSecret(s) in namespace(s) ${namespaces.join(", ")}: ` +
            "reseal them to the current keys, or set spec.force: true to retire it anyway",
        };
      }
    }
    await this.opts.keys.retire(keyId);
    return { phase: "Complete", message: `Retired key ${keyId}`, keyIds: [keyId] };
  }

  /** Namespaces of the SealedSecrets (one entry each) that name the key in spec.sealedTo or status.keyIds. */
  private async sealedSecretsUsing(keyId: string): Promise<string[]> {
    const list = (await this.api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: "sealedsecrets" })) as {
      items: SealedSecret[];
    };
    return list.items
      .filter((s) => {
        const sealedTo = Object.values(s.spec.sealedTo ?? {}).flat();
        return sealedTo.includes(keyId) || (s.status?.keyIds ?? []).includes(keyId);
      })
      .map((s) => s.metadata.namespace ?? "");
  }
}
