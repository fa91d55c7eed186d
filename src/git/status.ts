// `kubectl seal status`: for each sealed value, the key ids it is sealed to, the clusters holding those keys,
// and whether any of them is unknown, expired or retired.
import { findSealedFiles } from "./sealed-files.js";
import { loadKnownKeys, type KnownKeys } from "./known-keys.js";
import { findRepository } from "./repo.js";

/** ok; or why a value may not unseal or should be re-encrypted (old-key: a pinned cluster has newer keys). unchecked: no bundle known to compare with. */
export type ValueState = "ok" | "unknown-key" | "expired-key" | "retired-key" | "old-key" | "unrecorded" | "unchecked";

export interface ValueStatus {
  key: string;
  sealedTo: string[];
  clusters: string[];
  state: ValueState;
  /** Key ids behind a state other than ok. */
  problemKeys: string[];
}

export interface ObjectStatus {
  path: string;
  document: number;
  item?: number;
  name?: string;
  namespace?: string;
  scope: string;
  values: ValueStatus[];
}

export interface StatusReport {
  root: string;
  bundles: KnownKeys["sources"];
  pinnedWithoutBundle: string[];
  /** Pinned clusters whose saved bundle failed verification (their keys count as unknown). */
  untrustedClusters: KnownKeys["untrusted"];
  objects: ObjectStatus[];
}

function valueStatus(key: string, sealedTo: unknown, known: KnownKeys, now: number): ValueStatus {
  const ids = Array.isArray(sealedTo) ? sealedTo.filter((id): id is string => typeof id === "string") : [];
  const entries = ids.map((id) => ({ id, known: known.byId.get(id) ?? [] }));
  const clusters = [...new Set(entries.flatMap((e) => e.known.map((k) => k.source)))].sort();
  const result = (state: ValueState, problemKeys: string[] = []): ValueStatus => ({
    key,
    sealedTo: ids,
    clusters,
    state,
    problemKeys,
  });
  if (ids.length === 0) return result("unrecorded");
  if (known.sources.length === 0) return result("unchecked");
  const unknown = entries.filter((e) => e.known.length === 0).map((e) => e.id);
  if (unknown.length > 0) return result("unknown-key", unknown);
  const retired = entries.filter((e) => e.known.some((k) => k.retired)).map((e) => e.id);
  if (retired.length > 0) return result("retired-key", retired);
  const expired = entries
    .filter((e) => e.known.some((k) => k.expires !== undefined && Date.parse(k.expires) <= now))
    .map((e) => e.id);
  if (expired.length > 0) return result("expired-key", expired);
  // A pinned cluster rotated these keys out: the value still unseals there, but is not sealed to its newest keys.
  const old = entries.filter((e) => e.known.every((k) => k.current === false)).map((e) => e.id);
  if (old.length > 0) return result("old-key", old);
  return result("ok");
}

export interface StatusOptions {
  /** Directory to list; the repository root by default. */
  target?: string;
  bundleFiles?: string[];
  now?: Date;
}

export async function sealedStatus(options: StatusOptions = {}): Promise<StatusReport> {
  let root: string | undefined;
  try {
    root = (await findRepository(options.target ?? process.cwd())).dir;
  } catch {
    root = undefined;
  }
  const known = loadKnownKeys(options.bundleFiles ?? [], root);
  const now = (options.now ?? new Date()).getTime();
  const report: StatusReport = {
    root: root ?? options.target ?? process.cwd(),
    bundles: known.sources,
    pinnedWithoutBundle: known.withoutBundle,
    untrustedClusters: known.untrusted,
    objects: [],
  };
  for await (const file of findSealedFiles(options.target ?? root)) {
    for (const { document, item, sealed } of file.documents) {
      const sealedTo: Record<string, unknown> = sealed.spec.sealedTo ?? {};
      report.objects.push({
        path: file.path,
        document,
        ...(item === undefined ? {} : { item }),
        name: sealed.metadata?.name,
        namespace: sealed.metadata?.namespace,
        scope: String(sealed.spec.scope),
        values: Object.keys(sealed.spec.encryptedData)
          .sort()
          .map((key) => valueStatus(key, sealedTo[key], known, now)),
      });
    }
  }
  return report;
}
