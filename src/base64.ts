// Strict standard base64 (RFC 4648 with padding), as Kubernetes writes Secret data. Node's Buffer decoder
// silently skips junk, so the alphabet and padding are checked first.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The decoded bytes, or undefined when `text` is not strict base64. Line breaks are ignored, as Go does. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const compact = text.replace(/\r?\n/g, "");
  if (!STRICT_BASE64.test(compact)) return undefined;
  return new Uint8Array(Buffer.from(compact, "base64"));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
