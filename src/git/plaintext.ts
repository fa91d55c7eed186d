// Recognising plaintext Secrets in manifests: core/v1 Secrets carrying data, and kustomize secretGenerators.
// Findings name where a secret is and its key names; they never hold a value.
import { readObjects, type FileObject } from "./documents.js";
import { mentionsSecrets } from "./manifest-files.js";
import { isPlaceholderValue } from "./placeholders.js";

export interface PlaintextFinding {
  path: string;
  /** Commit the file was found in (history scans only): the oldest commit scanned that holds this blob. */
  commit?: string;
  document: number;
  item?: number;
  /** 1-based line where the finding's YAML document starts. */
  line: number;
  kind: "Secret" | "secretGenerator";
  name?: string;
  namespace?: string;
  /** Key names only. */
  keys: string[];
  /** secretGenerator only: how it gets its values. */
  via?: "literals" | "envs" | "files";
  /** secretGenerator envs/files only: the files the values are read from. */
  references?: string[];
  /** Every value is empty or a placeholder (reported only with `strict`). */
  placeholdersOnly?: true;
}

export interface PlaintextOptions {
  /** Report Secrets and literals whose values are all empty or placeholders too (`scan --strict`). */
  strict?: boolean;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === "string") : [];
}

/** Whether a finding whose values are all placeholders is reported: only in strict mode, and then marked. */
function placeholderMark(allPlaceholders: boolean, options: PlaintextOptions): { placeholdersOnly?: true } | undefined {
  if (!allPlaceholders) return {};
  return options.strict === true ? { placeholdersOnly: true } : undefined;
}

function secretFinding(path: string, found: FileObject, options: PlaintextOptions): PlaintextFinding | undefined {
  const { object } = found;
  if (object.kind !== "Secret" || object.apiVersion !== "v1") return undefined;
  const data = record(object.data);
  const stringData = record(object.stringData);
  const keys = [...new Set([...Object.keys(data), ...Object.keys(stringData)])];
  if (keys.length === 0) return undefined;
  const mark = placeholderMark(
    Object.values(data).every((value) => isPlaceholderValue(value, "base64")) &&
      Object.values(stringData).every((value) => isPlaceholderValue(value, "plain")),
    options,
  );
  if (!mark) return undefined;
  const metadata = record(object.metadata);
  return {
    path,
    document: found.document,
    ...(found.item === undefined ? {} : { item: found.item }),
    line: found.line,
    kind: "Secret",
    name: text(metadata.name),
    namespace: text(metadata.namespace),
    keys: keys.sort(),
    ...mark,
  };
}

// A literal is KEY=VALUE; anything before the first "=" is the key. A literal without "=" is not echoed at all.
function literalKey(literal: string): string {
  const equals = literal.indexOf("=");
  return equals > 0 ? literal.slice(0, equals) : "<invalid literal>";
}

function literalValue(literal: string): string {
  const equals = literal.indexOf("=");
  return equals > 0 ? literal.slice(equals + 1) : literal;
}

// A files entry is PATH or KEY=PATH; the key defaults to the file's base name.
function fileEntry(entry: string): { key: string; file: string } {
  const equals = entry.indexOf("=");
  const file = equals > 0 ? entry.slice(equals + 1) : entry;
  const key = equals > 0 ? entry.slice(0, equals) : file.slice(file.lastIndexOf("/") + 1);
  return { key, file };
}

function generatorFindings(path: string, found: FileObject, options: PlaintextOptions): PlaintextFinding[] {
  const generators = found.object.secretGenerator;
  if (!Array.isArray(generators)) return [];
  const findings: PlaintextFinding[] = [];
  for (const generator of generators.map(record)) {
    const base = {
      path,
      document: found.document,
      line: found.line,
      kind: "secretGenerator" as const,
      name: text(generator.name),
      namespace: text(generator.namespace),
    };
    const literals = strings(generator.literals);
    const mark = placeholderMark(literals.every((literal) => isPlaceholderValue(literalValue(literal), "plain")), options);
    if (literals.length > 0 && mark) findings.push({ ...base, keys: [...new Set(literals.map(literalKey))], via: "literals", ...mark });
    const envs = [...strings(generator.envs), ...strings(generator.env)];
    if (envs.length > 0) findings.push({ ...base, keys: [], via: "envs", references: envs });
    const files = strings(generator.files).map(fileEntry);
    if (files.length > 0) {
      findings.push({ ...base, keys: files.map((f) => f.key), via: "files", references: files.map((f) => f.file) });
    }
  }
  return findings;
}

export interface FileScan {
  findings: PlaintextFinding[];
  unparsed: number;
}

/** Plaintext secrets in one file's text; `path` is how findings name the file. */
export function findPlaintext(path: string, content: string, options: PlaintextOptions = {}): FileScan {
  if (!mentionsSecrets(content)) return { findings: [], unparsed: 0 };
  const { objects, unparsed } = readObjects(content);
  const findings: PlaintextFinding[] = [];
  for (const found of objects) {
    const secret = secretFinding(path, found, options);
    if (secret) findings.push(secret);
    findings.push(...generatorFindings(path, found, options));
  }
  return { findings, unparsed };
}
