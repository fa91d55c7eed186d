// Sealed files as text: the SealedSecrets of a YAML or JSON file (multi-document, Lists) with their place in it,
// and re-sealed values written back in place. Only the bytes of the changed encryptedData values and their
// sealedTo lists are replaced; comments, key order, quoting and every other value stay byte for byte as they were,
// so the Git diff of a re-encryption shows exactly the re-sealed values. The result is checked against
// mergeSealed() (docs/FORMAT.md section 7) before anything is written.
import { isDeepStrictEqual } from "node:util";
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, Scalar, stringify, type Document, type Node } from "yaml";
import { InputError, SealError } from "../errors.js";
import { mergeSealed } from "../merge.js";
import { sealedSecretProblem } from "../sealed-manifest.js";
import { API_VERSION, type SealedSecret } from "../types.js";

export interface SealedEntry {
  /** 0-based YAML document index (0 for JSON). */
  document: number;
  /** 0-based index in `items` when the object is inside a List. */
  item?: number;
  sealed: SealedSecret;
  /** What is wrong with it as a SealedSecret, if anything (the file is still readable around it). */
  problem?: string;
}

export interface EntryUpdate {
  document: number;
  item?: number;
  /** Data key -> new base64 age file. */
  encryptedData: Record<string, string>;
  /** Data key -> key ids of the new value. */
  sealedTo: Record<string, string[]>;
}

interface Located extends SealedEntry {
  node: Node;
}

function parse(text: string, source: string): Document.Parsed[] {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [];
  list.forEach((doc, index) => {
    const error = doc.errors[0];
    if (error !== undefined) {
      const line = error.linePos?.[0].line;
      // The library's message quotes the input, which may hold a secret: give the position only.
      throw new InputError(`${source}: invalid YAML in document ${index + 1}${line === undefined ? "" : ` at line ${line}`}`, "fix the file, or take it from Git history");
    }
  });
  return list;
}

function locate(documents: Document.Parsed[]): Located[] {
  const found: Located[] = [];
  const consider = (doc: Document.Parsed, node: unknown, document: number, item?: number): void => {
    if (!isMap(node)) return;
    let object: unknown;
    try {
      object = node.toJS(doc, { maxAliasCount: 100 }); // with the document, so anchors and aliases resolve
    } catch {
      return; // an alias bomb or a broken alias: not a SealedSecret we can update
    }
    const record = object as { apiVersion?: unknown; kind?: unknown; items?: unknown };
    if (item === undefined && typeof record.kind === "string" && record.kind.endsWith("List")) {
      const items = node.get("items", true);
      if (isSeq(items)) items.items.forEach((child, index) => consider(doc, child, document, index));
      return;
    }
    if (record.apiVersion !== API_VERSION || record.kind !== "SealedSecret") return;
    const problem = sealedSecretProblem(object);
    found.push({ document, ...(item === undefined ? {} : { item }), sealed: object as SealedSecret, node, ...(problem === undefined ? {} : { problem }) });
  };
  documents.forEach((doc, index) => consider(doc, doc.contents, index));
  return found;
}

/** The SealedSecrets in `text`, in file order; an InputError naming `source` if the file is not YAML or JSON. */
export function sealedEntriesOf(text: string, source: string): SealedEntry[] {
  return locate(parse(text, source)).map(({ node: _node, ...entry }) => entry);
}

const samePlace = (a: { document: number; item?: number }, b: { document: number; item?: number }): boolean =>
  a.document === b.document && a.item === b.item;

/**
 * `text` with the updates' values and sealedTo lists replaced in place. Every update must name a well-formed
 * SealedSecret whose value and sealedTo entry exist in the file. Throws rather than return a wrong file.
 */
export function applyUpdates(text: string, source: string, updates: readonly EntryUpdate[]): string {
  const located = locate(parse(text, source));
  const json = /^\s*[[{]/.test(text);
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const expected = located.map((entry) => {
    const update = updates.find((u) => samePlace(u, entry));
    if (update === undefined) return entry.sealed;
    if (entry.problem !== undefined) throw new InputError(`${source}: SealedSecret ${entry.problem}`, "fix or reseal it first");
    for (const [dataKey, value] of Object.entries(update.encryptedData)) {
      edits.push(valueEdit(entry.node, dataKey, value, json, source));
      edits.push(idsEdit(entry.node, dataKey, update.sealedTo[dataKey] ?? [], text, json, source));
    }
    const { metadata, spec } = entry.sealed;
    return mergeSealed(entry.sealed, { apiVersion: API_VERSION, kind: "SealedSecret", metadata, spec: { scope: spec.scope, encryptedData: update.encryptedData, sealedTo: update.sealedTo } });
  });
  if (updates.some((u) => !located.some((entry) => samePlace(u, entry)))) {
    throw new SealError(`${source} changed while it was being re-encrypted`, "run the command again");
  }
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  const after = locate(parse(out, source)).map((entry) => entry.sealed);
  if (!isDeepStrictEqual(after, expected)) {
    throw new SealError(`${source} could not be updated in place (its layout is unusual)`, "the file was left as it was; reseal its values with `kubectl seal --merge-into`");
  }
  return out;
}

function nodeAt(object: Node, path: string[], source: string): Node {
  let node: unknown = object;
  for (const [depth, key] of path.entries()) {
    // Through an alias the edit would change the anchored node, which other objects share: refuse instead.
    if (isAlias(node)) throw aliasError(source, path.slice(0, depth));
    node = isMap(node) ? node.get(key, true) : undefined;
  }
  if (isAlias(node) && path[1] === "encryptedData") throw aliasError(source, path);
  const found = node as Node | undefined;
  if (found?.range === undefined || found.range === null) {
    throw new SealError(`${source}: ${path.join(".")} is missing`, "reseal this Secret with kubectl seal (its sealedTo says whom to keep)");
  }
  if (typeof found.anchor === "string" && found.anchor !== "") throw aliasError(source, path);
  return found;
}

function aliasError(source: string, path: string[]): SealError {
  return new SealError(`${source}: ${path.join(".")} is a YAML alias or anchor`, "write the values out instead of using anchors and aliases, then run the command again");
}

function valueEdit(object: Node, dataKey: string, value: string, json: boolean, source: string): { start: number; end: number; text: string } {
  const node = nodeAt(object, ["spec", "encryptedData", dataKey], source);
  const [start, end] = node.range!;
  const style = isScalar(node) ? node.type : undefined;
  const quoted = json || style === Scalar.QUOTE_DOUBLE ? JSON.stringify(value) : style === Scalar.QUOTE_SINGLE ? `'${value}'` : value;
  return { start, end, text: quoted };
}

function idsEdit(object: Node, dataKey: string, ids: readonly string[], fileText: string, json: boolean, source: string): { start: number; end: number; text: string } {
  const node = nodeAt(object, ["spec", "sealedTo", dataKey], source);
  const [start, end] = node.range!;
  const scalar = (id: string): string => (json ? JSON.stringify(id) : stringify(id, { lineWidth: 0 }).trimEnd());
  const columnOf = (offset: number): number => offset - (fileText.lastIndexOf("\n", offset - 1) + 1);
  const firstItem = isSeq(node) ? (node.items[0] as Node | undefined)?.range?.[0] : undefined;
  if (!isSeq(node) || node.flow === true || ids.length === 0) {
    if (firstItem === undefined || !fileText.slice(start, end).includes("\n")) return { start, end, text: `[${ids.map(scalar).join(", ")}]` };
    // A flow list over several lines (JSON.stringify(..., 2) writes them so): one id per line, as it was.
    const lineStart = fileText.lastIndexOf("\n", start - 1) + 1;
    const closing = /^ */.exec(fileText.slice(lineStart))?.[0] ?? "";
    const items = ids.map((id) => `${" ".repeat(columnOf(firstItem))}${scalar(id)}`).join(",\n");
    return { start, end, text: `[\n${items}\n${closing}]` };
  }
  // A block list: one "- id" line per id, at the column of the first dash. Its range runs on to the next key's
  // indentation, so it ends where its last item does.
  const column = columnOf(start);
  const last = (node.items.at(-1) as Node | undefined)?.range?.[1] ?? end;
  return { start, end: last, text: ids.map((id) => `- ${scalar(id)}`).join(`\n${" ".repeat(column)}`) };
}
