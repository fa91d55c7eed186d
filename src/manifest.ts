// Reading and writing manifest files: YAML (multi-document) or JSON, with `kind: List` flattened.
// Parse errors are reported by position only: the libraries' own messages quote the input, and the input
// may be a Secret, so no excerpt of it ever reaches an error message.
import { parseAllDocuments, stringify } from "yaml";
import { InputError } from "./errors.js";
import { setOwn } from "./records.js";

/** Aliases a document may expand; more than this is treated as an alias bomb ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;

export type ManifestFormat = "yaml" | "json";

/** Every object in `text`, in order. `source` names the input (a path or "stdin") in error messages. */
export function parseManifests(text: string, source: string): unknown[] {
  return parseManifestEntries(text, source).map((entry) => entry.doc);
}

/**
 * Like parseManifests, with each object's place for later messages: `source`, plus "(document N)" in a
 * multi-document stream and "item N" inside a List.
 */
export function parseManifestEntries(text: string, source: string): { doc: unknown; where: string }[] {
  const documents = parseJson(text) ?? parseYaml(text, source);
  const entries: { doc: unknown; where: string }[] = [];
  documents.forEach((doc, index) => {
    if (doc === null || doc === undefined) return; // empty document, e.g. a trailing `---`
    const where = documents.length > 1 ? `${source} (document ${index + 1})` : source;
    flattenInto(entries, doc, where);
  });
  return entries;
}

function parseJson(text: string): unknown[] | undefined {
  const start = text.trimStart()[0];
  if (start !== "{" && start !== "[") return undefined;
  try {
    return [JSON.parse(text) as unknown];
  } catch {
    // Not strict JSON: YAML is a superset, so let the YAML parser try and report a position.
    return undefined;
  }
}

function parseYaml(text: string, source: string): unknown[] {
  const documents = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(documents)) return []; // an empty stream
  return documents.map((doc, index) => {
    const error = doc.errors[0];
    if (error !== undefined) {
      const [line, col] = [error.linePos?.[0].line, error.linePos?.[0].col];
      const at = line === undefined ? "" : ` at line ${line}, column ${col}`;
      throw new InputError(
        `${source}: invalid YAML${at} (${firstLine(error.message)})`,
        "fix the syntax, or check that the file is a Kubernetes manifest",
      );
    }
    try {
      return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    } catch (error) {
      if (error instanceof ReferenceError) {
        throw new InputError(
          `${source}: YAML document ${index + 1} expands aliases beyond the limit of ${MAX_ALIAS_COUNT} (an alias bomb?)`,
          "write the values out instead of using anchors and aliases",
        );
      }
      // No `cause`: the library's message may quote the input.
      throw new InputError(`${source}: YAML document ${index + 1} cannot be read`, "check the file");
    }
  });
}

/** The library message without its trailing excerpt of the input (which could be a secret). */
function firstLine(message: string): string {
  const first = message.split("\n", 1)[0] ?? "";
  return first.replace(/ at line \d+, column \d+:?$/, "").replace(/:$/, "");
}

function flattenInto(entries: { doc: unknown; where: string }[], doc: unknown, where: string): void {
  if (typeof doc !== "object" || Array.isArray(doc) || doc === null) {
    throw new InputError(
      `${where}: expected a Kubernetes object (a map with apiVersion and kind), found ${Array.isArray(doc) ? "a list" : typeof doc}`,
      "pass Secret manifests, or a `kind: List` of them",
    );
  }
  const record = doc as Record<string, unknown>;
  const kind = record["kind"];
  if (typeof kind === "string" && kind.endsWith("List") && "items" in record) {
    const items = record["items"];
    if (!Array.isArray(items)) {
      throw new InputError(`${where}: ${kind} has items that are not a list`, "make `items` a list of objects");
    }
    items.forEach((item: unknown, i) => flattenInto(entries, item, `${where} item ${i + 1}`));
    return;
  }
  entries.push({ doc, where });
}

// Output key order: the usual Kubernetes order where people expect one, alphabetical everywhere else, so that
// sealing the same input twice (or merging) produces the same text and Git diffs show only real changes.
const TOP_ORDER = ["apiVersion", "kind", "metadata", "type", "immutable", "spec", "data", "stringData", "status"];
const METADATA_ORDER = ["name", "namespace", "labels", "annotations"];
const SPEC_ORDER = ["scope", "template", "encryptedData", "sealedTo"];
const TEMPLATE_ORDER = ["metadata", "type", "immutable"];

function orderFor(path: string): readonly string[] {
  if (path === "") return TOP_ORDER;
  if (path === "metadata" || path === "spec.template.metadata") return METADATA_ORDER;
  if (path === "spec") return SPEC_ORDER;
  if (path === "spec.template") return TEMPLATE_ORDER;
  return [];
}

function ordered(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => ordered(item, `${path}[]`));
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const record = value as Record<string, unknown>;
  const first = orderFor(path);
  const keys = Object.keys(record).filter((k) => record[k] !== undefined);
  const known = first.filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !first.includes(k)).sort();
  const out: Record<string, unknown> = {};
  for (const key of [...known, ...rest]) setOwn(out, key, ordered(record[key], path === "" ? key : `${path}.${key}`));
  return out;
}

/** Objects as one YAML stream (`---` between documents) or JSON (one object, or a `kind: List` for several). */
export function printManifests(objects: readonly unknown[], format: ManifestFormat): string {
  const sorted = objects.map((o) => ordered(o, ""));
  if (format === "json") {
    const one = sorted.length === 1 ? sorted[0] : { apiVersion: "v1", kind: "List", items: sorted };
    return `${JSON.stringify(one, null, 2)}\n`;
  }
  // lineWidth 0: base64 is never folded. version 1.1: strings such as "yes" or "on" are quoted, so YAML 1.1
  // readers (kubectl's) do not turn them into booleans.
  return sorted.map((o) => stringify(o, { lineWidth: 0, version: "1.1" })).join("---\n");
}
