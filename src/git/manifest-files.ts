// Which files a scan reads and which it parses, decided without a YAML parser: names, sizes and a byte test. Kept
// apart from documents.ts so that a scan that finds nothing to parse never loads the parser (~13 MiB, BENCHMARKS.md).

/** Files larger than this are not read: manifests are small, and a scan must stay fast on big trees. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Names of files that may hold manifests: YAML, JSON, and kustomize's extension-less `Kustomization`. */
export function mayHoldManifests(filepath: string): boolean {
  const name = filepath.slice(filepath.lastIndexOf("/") + 1);
  return /\.(ya?ml|json)$/i.test(name) || name === "Kustomization";
}

/**
 * Cheap test done before any parsing: a `kind` key whose value is `Secret` (any quoting or spacing, YAML or JSON,
 * also as a List item) or the word `secretGenerator`. Comments and references such as `secretKeyRef` or "reads the
 * db Secret" do not count, so most manifests are never parsed.
 */
const SECRET_KIND = /kind['"]?\s*:\s*(?:!!str\s+)?['"]?Secret\b/;

export function mentionsSecrets(text: string): boolean {
  return text.includes("secretGenerator") || (text.includes("Secret") && SECRET_KIND.test(text));
}

const SECRET_BYTES = Buffer.from("Secret");
const GENERATOR_BYTES = Buffer.from("secretGenerator");

/** The same test on raw bytes, before decoding: most blobs of a history stop at the first `includes`. */
export function mentionsSecretsBytes(content: Uint8Array): boolean {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (bytes.includes(GENERATOR_BYTES)) return true;
  return bytes.includes(SECRET_BYTES) && SECRET_KIND.test(bytes.toString("latin1"));
}

