// Opening a binary age v1 file (age-encryption.org/v1) on node:crypto, for the controller's hot path. typage's
// Decrypter runs every file through Web Streams and pure-JS HMAC, HKDF and ChaCha20-Poly1305; for small Secret
// values that machinery cost more than the key agreement itself. This follows typage's parser and STREAM
// decryption rule for rule (test/unit/age-decrypt.test.ts checks both agree on random and altered files):
//   header  = "age-encryption.org/v1\n" { "-> " args "\n" body-lines } "--- " base64(MAC) "\n"
//             body lines: unpadded base64 of at most 48 bytes each, the last one shorter than 48 (maybe empty)
//   MAC     = HMAC-SHA256(HKDF-SHA256(fileKey, salt = "", info = "header"), header up to and including "---")
//   payload = nonce[16] || STREAM: ChaCha20-Poly1305 chunks of 64 KiB, key HKDF-SHA256(fileKey, nonce, "payload"),
//             chunk nonce = 11-byte big-endian counter || 1 for the last chunk, else 0
import { createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { base64nopad } from "@scure/base";
import type { Stanza } from "age-encryption";

/** typage's message when no identity recognises a stanza; unseal.ts tells this apart from altered bytes. */
export const NO_MATCH = "no identity matched any of the file's recipients";

const VERSION_LINE = "age-encryption.org/v1";
const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;
const TAG = 16;
const NONCE = 16;
const EMPTY = Buffer.alloc(0);

/** An identity that answers at once (the native ones do): the file key, or null when no stanza is its own. */
export interface SyncIdentity {
  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null;
}

/** The plaintext of `file`. Throws Error(NO_MATCH) when `identity` has no stanza, any other Error for bad bytes. */
export function openAgeFile(file: Uint8Array, identity: SyncIdentity): Uint8Array {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const header = parseHeader(bytes);
  const fileKey = identity.unwrapFileKey(header.stanzas);
  if (fileKey === null) throw new Error(NO_MATCH);
  const mac = createHmac("sha256", hkdf(fileKey, EMPTY, "header")).update(header.headerNoMAC).digest();
  if (header.mac.length !== mac.length || !timingSafeEqual(header.mac, mac)) throw new Error("invalid header HMAC");
  if (bytes.length < header.size + NONCE) throw new Error("stream ended before reading the payload nonce");
  const key = hkdf(fileKey, bytes.subarray(header.size, header.size + NONCE), "payload");
  const plain = decryptStream(key, bytes.subarray(header.size + NONCE));
  return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength); // a plain Uint8Array, as typage returns

}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, salt, info, 32));
}

interface Header {
  stanzas: Stanza[];
  headerNoMAC: Buffer;
  mac: Buffer;
  size: number;
}

function parseHeader(file: Buffer): Header {
  let pos = 0;
  // A line without its newline, as text; null at the end of the file (as typage's LineReader).
  const readLine = (): string | null => {
    const end = file.indexOf(NEWLINE, pos);
    if (end < 0) return null;
    for (let i = pos; i < end; i++) {
      const b = file[i] ?? 0;
      if (b < 32 || b > 126) throw new Error("invalid non-ASCII byte in header");
    }
    const line = file.toString("latin1", pos, end);
    pos = end + 1;
    return line;
  };
  if (readLine() !== VERSION_LINE) throw new Error("invalid version line");
  const stanzas: Stanza[] = [];
  for (;;) {
    const line = readLine();
    if (line === null) throw new Error("invalid stanza");
    const args = line.split(" ");
    if (args.length < 2 || args[0] !== "->") {
      if (!line.startsWith("--- ")) throw new Error("invalid header");
      const mac = Buffer.from(base64nopad.decode(line.slice(4)));
      // headerNoMAC ends with "---": the newline, the space and the MAC are not covered.
      return { stanzas, headerNoMAC: file.subarray(0, pos - 1 - line.length + 3), mac, size: pos };
    }
    args.shift();
    if (args.some((arg) => arg.length === 0)) throw new Error("invalid stanza");
    const body: Uint8Array[] = [];
    for (;;) {
      const bodyLine = readLine();
      if (bodyLine === null) throw new Error("invalid stanza");
      const decoded = base64nopad.decode(bodyLine);
      if (decoded.length > 48) throw new Error("invalid stanza");
      body.push(decoded);
      if (decoded.length < 48) break;
    }
    // A plain object of typage's Stanza shape: no runtime import of typage, which the unseal threads do not load.
    stanzas.push({ args, body: Buffer.concat(body) });
  }
}

/** STREAM decryption as typage does it: a full chunk is non-final only if more bytes follow it. */
function decryptStream(key: Buffer, payload: Buffer): Buffer {
  const out: Buffer[] = [];
  let offset = 0;
  let counter = 0;
  while (payload.length - offset > CHUNK + TAG) {
    out.push(openChunk(key, counter++, false, payload.subarray(offset, offset + CHUNK + TAG)));
    offset += CHUNK + TAG;
  }
  const last = openChunk(key, counter, true, payload.subarray(offset));
  if (counter > 0 && last.length === 0) throw new Error("final chunk is empty");
  out.push(last);
  return out.length === 1 ? last : Buffer.concat(out);
}

function openChunk(key: Buffer, counter: number, final: boolean, chunk: Buffer): Buffer {
  if (chunk.length < TAG) throw new Error("invalid chunk: shorter than its tag");
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6); // bytes 0..10 are the counter; a file never has 2^48 chunks
  nonce[11] = final ? 1 : 0;
  const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG });
  decipher.setAuthTag(chunk.subarray(chunk.length - TAG));
  const plain = decipher.update(chunk.subarray(0, chunk.length - TAG));
  decipher.final(); // throws on a wrong tag
  return plain;
}
