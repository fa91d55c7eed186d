// Reading every object out of a file found in a repository, tolerantly: a scan must keep going past files that
// are not manifests (Helm templates, broken YAML), so a document that does not parse is counted, not thrown.
import { parseAllDocuments } from "yaml";

export { MAX_MANIFEST_BYTES, mayHoldManifests } from "./manifest-files.js";

export interface FileObject {
  /** 0-based index of the YAML document in the file (0 for JSON). */
  document: number;
  /** 0-based index in `items` when the object came from a List. */
  item?: number;
  /** 1-based line where the document's content starts (1 for JSON). */
  line: number;
  object: Record<string, unknown>;
}

export interface ReadResult {
  objects: FileObject[];
  /** Documents that could not be parsed. */
  unparsed: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pushObject(objects: FileObject[], document: number, line: number, value: unknown): void {
  if (!isRecord(value)) return;
  const items = value.items;
  if (typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(items)) {
    items.forEach((item, index) => {
      if (isRecord(item)) objects.push({ document, item: index, line, object: item });
    });
    return;
  }
  objects.push({ document, line, object: value });
}

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let at = text.indexOf("\n"); at >= 0 && at < offset; at = text.indexOf("\n", at + 1)) line++;
  return line;
}

/** Every object in `text` (multi-document YAML, JSON, Lists flattened); never throws. */
export function readObjects(text: string): ReadResult {
  const objects: FileObject[] = [];
  let unparsed = 0;
  if (/^\s*[[{]/.test(text)) {
    try {
      const value: unknown = JSON.parse(text);
      for (const entry of Array.isArray(value) ? value : [value]) pushObject(objects, 0, 1, entry);
      return { objects, unparsed };
    } catch {
      // Not JSON after all: flow-style YAML also starts with { or [.
    }
  }
  let documents: ReturnType<typeof parseAllDocuments>;
  try {
    documents = parseAllDocuments(text, { logLevel: "error" }); // no warnings on stderr about odd keys (templates)
  } catch {
    return { objects, unparsed: 1 };
  }
  if (!Array.isArray(documents)) return { objects, unparsed };
  documents.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      unparsed++;
      return;
    }
    try {
      const start = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? doc.range?.[0] ?? 0;
      pushObject(objects, index, lineAt(text, start), doc.toJS({ maxAliasCount: 100 }));
    } catch {
      unparsed++; // alias bombs and other unrepresentable documents
    }
  });
  return { objects, unparsed };
}
