// Bitnami-sealed files as `kubectl seal migrate` reads and rewrites them: the bitnami.com/v1alpha1 SealedSecrets of
// a YAML or JSON file (multi-document, Lists) with their place, and the file with each of them replaced in place
// by its kubectl-seal SealedSecret. Every other document stays byte for byte; the result is parsed again and
// compared with what was meant before anything is written.
import { isDeepStrictEqual } from "node:util";
import { isMap, isSeq, parseAllDocuments, type Document } from "yaml";
import { InputError, SealError } from "../errors.js";
import { readFilesWithEntries, type FileWithEntries } from "../cli/inputs.js";
import { printManifests } from "../manifest.js";
import type { SealedSecret } from "../types.js";
import { BITNAMI_API_VERSION, bitnamiProblem, isBitnamiSealedSecret, type BitnamiSealedSecret } from "./sealed-secret.js";

export interface BitnamiEntry {
  /** 0-based YAML document index (0 for JSON). */
  document: number;
  /** 0-based index in `items` when the object is inside a List. */
  item?: number;
  sealed: BitnamiSealedSecret;
  /** Why it cannot be migrated, if so. */
  problem?: string;
}

export type BitnamiFile = FileWithEntries<BitnamiEntry>;

function parse(text: string, source: string): Document.Parsed[] {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) throw new InputError(`${source}: invalid YAML in document ${index + 1}`, "fix the file, or take it from Git history");
  });
  return list;
}

/** The JS value of every document (JSON is YAML too). */
function values(text: string, source: string): unknown[] {
  return parse(text, source).map((doc) => doc.toJS({ maxAliasCount: 100 }) as unknown);
}

function isList(value: unknown): value is { kind: string; items: unknown[] } {
  const record = value as { kind?: unknown; items?: unknown } | null;
  return typeof record?.kind === "string" && record.kind.endsWith("List") && Array.isArray(record.items);
}

/** The Bitnami SealedSecrets in `text`, in file order; an InputError naming `source` if it is not YAML or JSON. */
export function bitnamiEntriesOf(text: string, source: string): BitnamiEntry[] {
  const found: BitnamiEntry[] = [];
  const consider = (object: unknown, document: number, item?: number): void => {
    if (!isBitnamiSealedSecret(object)) return;
    const problem = bitnamiProblem(object);
    found.push({ document, ...(item === undefined ? {} : { item }), sealed: object as BitnamiSealedSecret, ...(problem === undefined ? {} : { problem }) });
  };
  values(text, source).forEach((value, document) => {
    if (isList(value)) value.items.forEach((item, index) => consider(item, document, index));
    else consider(value, document);
  });
  return found;
}

/** The files given on the command line; one without a Bitnami SealedSecret is an InputError naming it. */
export function readBitnamiFiles(files: readonly string[]): BitnamiFile[] {
  return readFilesWithEntries(files, "Bitnami sealed file", bitnamiEntriesOf, `${BITNAMI_API_VERSION} SealedSecret`, "pass files written by kubeseal, or use --all");
}

/** Every file of the repository holding `cwd` (or under `cwd` outside one) with a Bitnami SealedSecret. */
export async function readAllBitnamiFiles(cwd: string): Promise<BitnamiFile[]> {
  const { findRepository } = await import("../git/repo.js");
  const { walkWorktree } = await import("../git/worktree.js");
  const { mayHoldManifests } = await import("../git/documents.js");
  const repo = await findRepository(cwd).catch(() => undefined);
  const out: BitnamiFile[] = [];
  for await (const file of walkWorktree(repo?.dir ?? cwd, repo, { accept: mayHoldManifests, wanted: (text) => text.includes(BITNAMI_API_VERSION) })) {
    let entries: BitnamiEntry[];
    try {
      entries = bitnamiEntriesOf(file.text, file.path);
    } catch {
      continue; // not YAML (a Helm template, say): nothing a kubeseal wrote
    }
    if (entries.length > 0) out.push({ path: file.path, absolute: file.absolute, text: file.text, entries });
  }
  return out;
}

export interface Replacement {
  document: number;
  item?: number;
  sealed: SealedSecret;
}

/**
 * `text` with each replacement's Bitnami SealedSecret swapped for its kubectl-seal one. YAML: only the replaced
 * documents are printed anew (fixed key order, as `kubectl seal` prints); JSON files are printed anew as a whole.
 * Throws rather than return a file that does not parse back to exactly the intended objects.
 */
export function replaceBitnami(text: string, source: string, replacements: readonly Replacement[]): string {
  const before = values(text, source);
  const expected = before.map((value, document) => {
    const mine = replacements.filter((r) => r.document === document);
    if (mine.length === 0) return value;
    if (!isList(value)) return mine[0]?.item === undefined ? mine[0]?.sealed : value;
    const items = [...value.items];
    for (const r of mine) if (r.item !== undefined) items[r.item] = r.sealed;
    return { ...value, items };
  });
  let out: string;
  if (/^\s*[[{]/.test(text)) {
    out = printManifests([expected[0]], "json");
  } else {
    const documents = parse(text, source);
    out = text;
    // From the last document back, so earlier offsets stay valid.
    for (let index = documents.length - 1; index >= 0; index--) {
      if (!replacements.some((r) => r.document === index)) continue;
      const contents = documents[index]?.contents;
      if ((!isMap(contents) && !isSeq(contents)) || contents.range === undefined || contents.range === null) {
        throw new SealError(`${source}: document ${index + 1} could not be located`, "the file was left as it was");
      }
      const [start, end] = contents.range;
      out = out.slice(0, start) + printManifests([expected[index]], "yaml").trimEnd() + (out[end - 1] === "\n" ? "\n" : "") + out.slice(end);
    }
  }
  if (!isDeepStrictEqual(values(out, source), expected)) {
    throw new SealError(`${source} could not be rewritten in place (its layout is unusual)`, "the file was left as it was; migrate its SealedSecrets into a new file by hand");
  }
  return out;
}
