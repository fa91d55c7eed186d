// Rotate and Retire SealRequests: key operations, fulfilled only for requests in the controller's own namespace
// (requests.ts decides that), so whoever may create SealRequests there may rotate and retire keys.
//
// A request runs at least once: if the leader dies between the key operation and the status write, the next
// leader repeats it. That is safe: a second rotation only adds a key, a second retirement changes nothing.
// A completed request is recorded by its key Events (keys.ts); a refused one gets a RetireFailed Event on the
// request, written before its phase.
import { CustomObjectsApi } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { API_VERSION } from "../src/index.js";
import type { SealedSecret } from "../src/index.js";
import type { SealRequest } from "../src/sealrequest.js";
import type { Audit } from "./audit.js";
import type { KeyManager } from "./keys.js";
import type { Outcome } from "./request-outcome.js";

const [GROUP, VERSION] = API_VERSION.split("/") as [string, string];

export class KeyRequests {
  private readonly api: CustomObjectsApi;

  constructor(
    kc: KubeConfig,
    private readonly keys: Pick<KeyManager, "rotateNow" | "retire">,
    private readonly audit: Pick<Audit, "recordNow">,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  async fulfil(request: SealRequest, where: string): Promise<Outcome> {
    const spec = request.spec;
    const why = spec.reason ? `SealRequest ${where}: ${spec.reason}` : `SealRequest ${where}`;
    if (spec.action === "Rotate") {
      const keys = await this.keys.rotateNow(why);
      return { phase: "Complete", message: `Rotated: now sealing to ${keys.map((k) => k.id).join(", ")}`, keyIds: keys.map((k) => k.id) };
    }
    const keyId = spec.keyId ?? "";
    if (keyId === "") return this.refuse(request, "spec.keyId is required for Retire: set it to the id of the key to retire");
    if (spec.force !== true) {
      const users = await this.sealedSecretsUsing(keyId);
      if (users.length > 0) {
        const namespaces = [...new Set(users)].sort();
        return this.refuse(
          request,
          `key ${keyId} is still used by ${users.length} SealedSecret(s) in namespace(s) ${namespaces.join(", ")}: ` +
            "reseal them to the current keys, or set spec.force: true to retire it anyway",
          [keyId],
        );
      }
    }
    await this.keys.retire(keyId);
    return { phase: "Complete", message: `Retired key ${keyId}`, keyIds: [keyId] };
  }

  private async refuse(request: SealRequest, message: string, keyIds: string[] = []): Promise<Outcome> {
    const { name = "", namespace = "", uid } = request.metadata;
    const regarding = { apiVersion: request.apiVersion, kind: request.kind, name, namespace, ...(uid === undefined ? {} : { uid }) };
    await this.audit.recordNow({ reason: "RetireFailed", type: "Warning", regarding, note: message, keyIds });
    return { phase: "Failed", message };
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
