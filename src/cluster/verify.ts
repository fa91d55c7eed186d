// `kubectl seal verify`: can this cluster unseal these files? Each SealedSecret goes to the controller in a Verify
// SealRequest in its own namespace (so RBAC decides per namespace who may ask); the answer says which keys opened
// it or why it cannot be opened (tampered, wrong-scope, unknown-key, malformed), never a value.
import type { UnsealReason } from "../errors.js";
import { askAboutObjects, type RequestOptions } from "./seal-requests.js";
import { entryPlace, objectLabel, requestObject, type SealedFileText } from "./file-set.js";
import { defaultNamespace, type ClusterConnection } from "./kube.js";

export interface VerifyRow {
  file: string;
  /** file, or file#document[.items[i]] when the file holds several objects. */
  place: string;
  object: string;
  ok: boolean;
  reason?: UnsealReason | "refused";
  /** Ids of the keys that opened the values. */
  keyIds: string[];
  message?: string;
}

export async function verifyFiles(
  conn: ClusterConnection,
  files: readonly SealedFileText[],
  options: RequestOptions & { onProgress?: (done: number, total: number) => void },
): Promise<VerifyRow[]> {
  const fallback = defaultNamespace(conn);
  const rows: VerifyRow[] = [];
  const byNamespace = new Map<string, Array<{ row: VerifyRow; object: ReturnType<typeof requestObject> }>>();
  for (const file of files) {
    for (const entry of file.entries) {
      const object = objectLabel(entry.sealed, fallback);
      const row: VerifyRow = { file: file.path, place: entryPlace(file, entry), object, ok: false, keyIds: [] };
      rows.push(row);
      if (entry.problem !== undefined) {
        Object.assign(row, { reason: "malformed", message: `SealedSecret ${object} ${entry.problem}` });
        continue;
      }
      const namespace = entry.sealed.metadata.namespace ?? fallback;
      byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), { row, object: requestObject(entry.sealed, fallback) }]);
    }
  }
  const total = [...byNamespace.values()].reduce((sum, list) => sum + list.length, 0);
  let before = 0;
  for (const [namespace, members] of byNamespace) {
    const results = await askAboutObjects(
      conn,
      { action: "Verify", namespace, objects: members.map((m) => m.object), onProgress: (done) => options.onProgress?.(before + done, total) },
      options,
    );
    before += members.length;
    members.forEach(({ row }, i) => {
      const result = results[i];
      row.ok = result?.ok === true;
      row.keyIds = result?.keyIds ?? [];
      if (!row.ok) {
        row.reason = result?.reason ?? "refused";
        row.message = result?.message ?? "no answer";
      }
    });
  }
  return rows;
}
