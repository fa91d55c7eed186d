// Asking the controller through SealRequests (src/sealrequest.ts): create one with generateName, poll it with
// backoff until it has a phase (or the timeout passes), read the answer. Verify and Reencrypt requests are
// deleted once read (they may carry ciphertexts nobody needs to keep); Rotate and Retire requests stay as the
// record of who changed the keys. Objects are batched within the contract's limits; objects the controller could
// not fit into its answer (`retry`) are sent again.
import { setTimeout as sleep } from "node:timers/promises";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { SealError } from "../errors.js";
import {
  MAX_REQUEST_BYTES,
  MAX_REQUEST_OBJECTS,
  SEALREQUEST_KIND,
  SEALREQUEST_PLURAL,
  type SealRequest,
  type SealRequestResult,
  type SealRequestSpec,
  type SealRequestStatus,
} from "../sealrequest.js";
import { API_VERSION } from "../types.js";
import { apiError, type ClusterConnection } from "./kube.js";

const [GROUP, VERSION] = API_VERSION.split("/") as [string, string];
const POLL_FIRST_MS = 100;
const POLL_MAX_MS = 2_000;
/** Default for --timeout: how long to wait for the controller's answer to one request. */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 60;
/** The role that allows Verify and Reencrypt requests in a namespace (manifests/rbac.yaml), named in 403 messages. */
export const REQUESTER_ROLE = "the ClusterRole kubectl-seal-requester";

export interface RequestOptions {
  timeoutMs: number;
  /** Whose RBAC permission a 403 asks for: the role to bind, e.g. "the ClusterRole kubectl-seal-requester". */
  role: string;
}

/** Creates a SealRequest in `namespace`, waits for its answer and returns it; deletes it afterwards if asked. */
export async function runSealRequest(
  conn: ClusterConnection,
  namespace: string,
  spec: SealRequestSpec,
  options: RequestOptions & { keep?: boolean },
): Promise<SealRequestStatus> {
  const api = conn.kc.makeApiClient(CustomObjectsApi);
  const body: SealRequest = {
    apiVersion: API_VERSION,
    kind: SEALREQUEST_KIND,
    metadata: { generateName: `${spec.action.toLowerCase()}-` },
    spec,
  };
  const target = { group: GROUP, version: VERSION, plural: SEALREQUEST_PLURAL, namespace };
  let name: string;
  try {
    const created = (await api.createNamespacedCustomObject({ ...target, body })) as SealRequest;
    name = created.metadata.name ?? "";
  } catch (error) {
    throw requestError(error, `creating a ${spec.action} SealRequest in namespace ${namespace}`, conn, options.role, namespace);
  }
  try {
    return await waitForAnswer(api, target, name, conn, options.timeoutMs);
  } finally {
    if (options.keep !== true) {
      // Best effort: the controller also deletes finished requests after their TTL.
      await api.deleteNamespacedCustomObject({ ...target, name }).catch(() => undefined);
    }
  }
}

async function waitForAnswer(
  api: CustomObjectsApi,
  target: { group: string; version: string; plural: string; namespace: string },
  name: string,
  conn: ClusterConnection,
  timeoutMs: number,
): Promise<SealRequestStatus> {
  const deadline = Date.now() + timeoutMs;
  let delay = POLL_FIRST_MS;
  for (;;) {
    let request: SealRequest;
    try {
      request = (await api.getNamespacedCustomObject({ ...target, name })) as SealRequest;
    } catch (error) {
      throw apiError(error, `reading SealRequest ${target.namespace}/${name}`, conn);
    }
    if (request.status?.phase !== undefined) return request.status;
    if (Date.now() >= deadline) {
      throw new SealError(
        `SealRequest ${target.namespace}/${name} got no answer from the controller within ${Math.round(timeoutMs / 1000)} s on cluster ${conn.context}`,
        `check that the kubectl-seal controller runs (namespace ${conn.controllerNamespace}) and watches namespace ${target.namespace}, or raise --timeout`,
      );
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(POLL_MAX_MS, delay * 2);
  }
}

/** A failed create as one line: 403 names the namespace and the role to ask for; admission denials say why. */
function requestError(error: unknown, what: string, conn: ClusterConnection, role: string, namespace: string): SealError {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = serverMessage(error);
  if (code === 403 && reason?.includes("ValidatingAdmissionPolicy") !== true) {
    return new SealError(
      `${what} on cluster ${conn.context}: forbidden (403)`,
      `ask a cluster admin to bind ${role} to you in namespace ${namespace} (creating sealrequests.seal.dev there), or use another --context`,
    );
  }
  if (code === 404) {
    return new SealError(`${what} on cluster ${conn.context}: the SealRequest API is not installed (404)`, "install kubectl-seal's manifests (kubectl apply -k manifests/) on the cluster");
  }
  if ((code === 403 || code === 422) && reason !== undefined) {
    return new SealError(`${what} on cluster ${conn.context}: refused (${code}): ${reason}`, "");
  }
  return apiError(error, what, conn);
}

/** The `message` of a Kubernetes Status in an API error's body, if any. */
function serverMessage(error: unknown): string | undefined {
  const body = (error as { body?: unknown } | null)?.body;
  try {
    const status = (typeof body === "string" ? JSON.parse(body) : body) as { message?: unknown } | undefined;
    return typeof status?.message === "string" ? status.message.split("\n", 1)[0] : undefined;
  } catch {
    return undefined;
  }
}

/** What a request may carry: seal.dev SealedSecrets, or Bitnami ones for Migrate. */
type RequestObject = NonNullable<SealRequestSpec["objects"]>[number];

/** `objects` cut into requests of at most MAX_REQUEST_OBJECTS objects and MAX_REQUEST_BYTES of JSON. */
export function batches<T extends RequestObject>(objects: readonly T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 2;
  for (const object of objects) {
    const size = Buffer.byteLength(JSON.stringify(object)) + 1;
    if (current.length > 0 && (current.length >= MAX_REQUEST_OBJECTS || bytes + size > MAX_REQUEST_BYTES)) {
      out.push(current);
      current = [];
      bytes = 2;
    }
    if (size + 2 > MAX_REQUEST_BYTES) {
      const name = `${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`;
      throw new SealError(`SealedSecret ${name} is larger than one SealRequest may carry (${MAX_REQUEST_BYTES} bytes)`, "split its values into several SealedSecrets");
    }
    current.push(object);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export interface ObjectRequest {
  action: "Verify" | "Reencrypt" | "Migrate";
  namespace: string;
  objects: RequestObject[];
  recipients?: string[];
  /** Called after each request with the number of objects answered so far. */
  onProgress?: (done: number) => void;
}

/** The controller's result for each of `objects` (same order), over as many requests as the limits need. */
export async function askAboutObjects(conn: ClusterConnection, request: ObjectRequest, options: RequestOptions): Promise<SealRequestResult[]> {
  const results: Array<SealRequestResult | undefined> = new Array<SealRequestResult | undefined>(request.objects.length);
  let pending = request.objects.map((object, index) => ({ object, index }));
  let done = 0;
  while (pending.length > 0) {
    const retry: typeof pending = [];
    const answeredBefore = done;
    for (const batch of batches(pending.map((p) => p.object))) {
      const members = pending.splice(0, batch.length);
      const spec: SealRequestSpec = { action: request.action, objects: batch };
      if (request.recipients !== undefined && request.recipients.length > 0) spec.recipients = request.recipients;
      const status = await runSealRequest(conn, request.namespace, spec, options);
      if (status.phase !== "Complete") {
        throw new SealError(`the controller refused the ${request.action} SealRequest in namespace ${request.namespace}: ${status.message ?? "no reason given"}`, "");
      }
      members.forEach((member, i) => {
        const result = status.results?.find((r) => r.index === i);
        if (result?.retry === true) retry.push(member);
        else {
          results[member.index] = result ?? { index: member.index, object: member.object.metadata.name ?? "", ok: false, message: "the controller gave no result for it" };
          done++;
        }
      });
      request.onProgress?.(done);
    }
    if (retry.length > 0 && done === answeredBefore) {
      // A whole round answered nothing: the answer limit cannot hold even one object; stop rather than loop.
      throw new SealError(`the controller answered none of ${retry.length} object(s) in namespace ${request.namespace} (answer too large)`, "reencrypt fewer or smaller files at a time");
    }
    pending = retry;
  }
  return results.map((result, index) => ({ ...(result as SealRequestResult), index }));
}
