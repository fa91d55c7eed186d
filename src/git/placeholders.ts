// Which Secret values are obviously not secrets: empty ones and placeholders left for someone to fill in. A Secret
// (or secretGenerator) whose values are all such is not a leak by default; `scan --strict` reports it anyway.
// The rule is documented word for word in docs/pre-commit.md ("What counts as plaintext").

/** Whole values that are placeholder words, compared case-insensitively after trimming. */
const PLACEHOLDER_WORDS = new Set([
  "replace_me",
  "replace-me",
  "replaceme",
  "changeme",
  "change_me",
  "change-me",
  "todo",
  "tbd",
  "fixme",
  "placeholder",
]);

const PLACEHOLDER_SHAPES = [
  /^<[^<>]*>$/, // <your-password>
  /^\$\{[^{}]*\}$/, // ${DB_PASSWORD}: substituted by envsubst, Flux post-build or a CI step
  /^\{\{.*\}\}$/s, // {{ .Values.password }}: a Helm or Go template
  /^(x+|\*+)$/i, // xxxx, ****
];

function isPlaceholderText(text: string): boolean {
  const trimmed = text.trim();
  return trimmed === "" || PLACEHOLDER_WORDS.has(trimmed.toLowerCase()) || PLACEHOLDER_SHAPES.some((shape) => shape.test(trimmed));
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `data` values are base64: a placeholder may be written as is (`<base64 password>`) or encoded (`Q0hBTkdFTUU=`). */
function decodedBase64(text: string): string | undefined {
  const compact = text.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  return Buffer.from(compact, "base64").toString("utf8");
}

/**
 * Whether one value of a Secret is empty or a placeholder. `null` and missing are empty; a mapping or list is what
 * YAML makes of an unquoted `{{ ... }}` template, never a usable value; numbers and booleans are values.
 */
export function isPlaceholderValue(value: unknown, encoding: "base64" | "plain"): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "object") return true;
  const text = String(value);
  if (isPlaceholderText(text)) return true;
  if (encoding === "plain") return false;
  const decoded = decodedBase64(text);
  return decoded !== undefined && isPlaceholderText(decoded);
}
