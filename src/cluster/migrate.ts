// `kubectl seal migrate`: Bitnami-sealed files become kubectl-seal files, without anyone seeing a plaintext. The
// Bitnami SealedSecrets go to the controller in Migrate SealRequests (one or more per namespace, created where the
// objects live, so RBAC decides per namespace); it opens them with Bitnami's keys and answers with age ciphertexts
// sealed to its own current keys. Each file is then rewritten in place (src/bitnami/files.ts). All files or none:
// if any object fails, nothing is written, so the repository never holds a half-migrated set.
import { migratedSealedSecret, migratedScope, bitnamiScopeOf, type BitnamiSealedSecret } from "../bitnami/sealed-secret.js";
import { replaceBitnami, type BitnamiFile, type Replacement } from "../bitnami/files.js";
import { SealError } from "../errors.js";
import { sealedSecretProblem } from "../sealed-manifest.js";
import { writeFileAtomic } from "../cli/write-file.js";
import { askAboutObjects, type RequestOptions } from "./seal-requests.js";
import type { TrustedBundle } from "./trusted-bundle.js";

export type MigrateState = "migrated" | "would-migrate" | "held" | "failed";

export interface MigrateRow {
  file: string;
  place: string;
  object: string;
  /** Bitnami's scope -> kubectl-seal's, e.g. "namespace-wide -> namespace". */
  scope: string;
  values: string[];
  state: MigrateState;
  message?: string;
}

export interface MigrateReport {
  cluster?: string;
  rows: MigrateRow[];
  /** Absolute paths of the files rewritten. */
  written: string[];
}

interface Work {
  file: BitnamiFile;
  row: MigrateRow;
  replacement: Omit<Replacement, "sealed">;
  sealed: BitnamiSealedSecret;
  problem?: string;
}

function works(files: readonly BitnamiFile[]): Work[] {
  return files.flatMap((file) =>
    file.entries.map((entry) => {
      const { namespace = "", name = "" } = entry.sealed.metadata ?? {};
      const multi = file.entries.length > 1 || entry.document > 0 || entry.item !== undefined;
      const place = multi ? `${file.path}#${entry.document}${entry.item === undefined ? "" : `.items[${entry.item}]`}` : file.path;
      const valid = entry.problem === undefined;
      const row: MigrateRow = {
        file: file.path,
        place,
        object: `${namespace}/${name}`,
        scope: valid ? `${bitnamiScopeOf(entry.sealed)} -> ${migratedScope(entry.sealed)}` : "",
        values: valid ? Object.keys(entry.sealed.spec.encryptedData).sort() : [],
        state: entry.problem === undefined ? "would-migrate" : "failed",
        ...(entry.problem === undefined ? {} : { message: `Bitnami SealedSecret ${namespace}/${name} ${entry.problem}` }),
      };
      return { file, row, sealed: entry.sealed, replacement: { document: entry.document, ...(entry.item === undefined ? {} : { item: entry.item }) } };
    }),
  );
}

/** What migrate would do, without a cluster: each Bitnami SealedSecret, its scope mapping, or why it cannot move. */
export function planMigration(files: readonly BitnamiFile[]): MigrateReport {
  return { rows: works(files).map((w) => w.row), written: [] };
}

/** What the controller needs of an object: where it is, its scope annotations, the ciphertexts. No template. */
function requestObject(sealed: BitnamiSealedSecret): BitnamiSealedSecret {
  const annotations = Object.fromEntries(Object.entries(sealed.metadata.annotations ?? {}).filter(([key]) => key.startsWith("sealedsecrets.bitnami.com/")));
  const metadata = { name: sealed.metadata.name, namespace: sealed.metadata.namespace, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
  return { apiVersion: sealed.apiVersion, kind: "SealedSecret", metadata, spec: { encryptedData: sealed.spec.encryptedData } };
}

export async function migrateFiles(
  trusted: TrustedBundle,
  files: readonly BitnamiFile[],
  options: RequestOptions & { onProgress?: (done: number, total: number) => void },
): Promise<MigrateReport> {
  const all = works(files);
  const targetIds = new Set(trusted.bundle.keys.map((k) => k.id));
  const byNamespace = new Map<string, Work[]>();
  for (const work of all) {
    if (work.row.state === "failed") continue;
    const namespace = work.sealed.metadata.namespace ?? "";
    byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), work]);
  }
  const total = [...byNamespace.values()].reduce((n, list) => n + list.length, 0);
  const replacements = new Map<Work, Replacement>();
  let before = 0;
  for (const [namespace, list] of byNamespace) {
    const results = await askAboutObjects(
      trusted.conn,
      { action: "Migrate", namespace, objects: list.map((w) => requestObject(w.sealed)), onProgress: (done) => options.onProgress?.(before + done, total) },
      options,
    );
    before += list.length;
    list.forEach((work, i) => {
      const result = results[i];
      if (result?.ok !== true) return fail(work.row, result?.message ?? "the controller gave no answer for it");
      const ids = Object.values(result.sealedTo ?? {}).flat();
      const stranger = ids.find((id) => !targetIds.has(id));
      if (stranger !== undefined) {
        return fail(work.row, `the controller sealed it to key ${stranger}, which the pinned bundle of cluster ${trusted.name} does not list: run kubectl seal fetch-keys, then migrate again`);
      }
      const sealed = migratedSealedSecret(work.sealed, { encryptedData: result.encryptedData ?? {}, sealedTo: result.sealedTo ?? {} });
      const problem = sealedSecretProblem(sealed);
      if (problem !== undefined || Object.keys(sealed.spec.encryptedData).length !== work.row.values.length) {
        return fail(work.row, `the controller's answer for it is incomplete${problem === undefined ? "" : ` (${problem})`}`);
      }
      replacements.set(work, { ...work.replacement, sealed });
    });
  }
  const report: MigrateReport = { cluster: trusted.name, rows: all.map((w) => w.row), written: [] };
  if (all.some((w) => w.row.state === "failed")) return hold(report);

  const texts = new Map<BitnamiFile, string>();
  for (const file of files) {
    const mine = all.filter((w) => w.file === file).map((w) => replacements.get(w)).filter((r): r is Replacement => r !== undefined);
    try {
      texts.set(file, replaceBitnami(file.text, file.path, mine));
    } catch (error) {
      if (!(error instanceof SealError)) throw error;
      for (const w of all) if (w.file === file) fail(w.row, error.message);
      return hold(report);
    }
  }
  for (const [file, text] of texts) {
    await writeFileAtomic(file.absolute, text);
    report.written.push(file.absolute);
  }
  for (const row of report.rows) row.state = "migrated";
  return report;
}

function fail(row: MigrateRow, message: string): void {
  row.state = "failed";
  row.message = message;
}

/** Nothing is written when anything failed: the others are held back, saying why. */
function hold(report: MigrateReport): MigrateReport {
  for (const row of report.rows) {
    if (row.state !== "failed") Object.assign(row, { state: "held", message: "not written: another SealedSecret failed, and migrate writes all files or none" });
  }
  return report;
}
