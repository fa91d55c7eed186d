// `kubectl seal keys rotate` and `keys retire`: Rotate and Retire SealRequests in the controller's namespace
// (only there do they count; the kubectl-seal-key-admin Role allows creating them). The requests are kept: they
// record who changed the keys. Retiring is refused while sealed files of the repository still use the key.
import { SealError } from "../errors.js";
import type { SealRequestSpec, SealRequestStatus } from "../sealrequest.js";
import type { ClusterConnection } from "./kube.js";
import { runSealRequest } from "./seal-requests.js";
import type { SealedFileText } from "./file-set.js";

export const KEY_ADMIN_ROLE = "the Role kubectl-seal-key-admin";

/** Runs a Rotate or Retire request and returns its answer; a Failed one is a SealError with the controller's reason. */
export async function askForKeyChange(conn: ClusterConnection, spec: SealRequestSpec, timeoutMs: number): Promise<SealRequestStatus> {
  const status = await runSealRequest(conn, conn.controllerNamespace, spec, { timeoutMs, role: KEY_ADMIN_ROLE, keep: true });
  if (status.phase !== "Complete") {
    throw new SealError(`the controller on cluster ${conn.context} refused to ${spec.action.toLowerCase()}: ${status.message ?? "no reason given"}`, "");
  }
  return status;
}

/** "file: key, key" for every value of `files` whose spec.sealedTo names `keyId`. */
export function valuesSealedTo(files: readonly SealedFileText[], keyId: string): string[] {
  return files.flatMap((file) =>
    file.entries.flatMap((entry) => {
      const keys = Object.entries(entry.sealed.spec?.sealedTo ?? {})
        .filter(([, ids]) => Array.isArray(ids) && ids.includes(keyId))
        .map(([key]) => key);
      return keys.length === 0 ? [] : [`${file.path} (${entry.sealed.metadata?.name ?? "?"}: ${keys.sort().join(", ")})`];
    }),
  );
}
