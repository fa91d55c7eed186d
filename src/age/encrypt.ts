// Writing a binary age v1 file (age-encryption.org/v1) on node:crypto, for sealing: the counterpart of
// decrypt.ts. typage's Encrypter runs every value through Web Streams, `new Response()` (which makes Node load
// undici) and pure-JS HMAC, HKDF and ChaCha20-Poly1305; a seal run encrypts thousands of small values, so that
// machinery cost more than the key agreement. This writes what typage's Encrypter writes, byte for byte in
// layout (test/unit/age-encrypt.test.ts opens our files with typage's Decrypter and the age CLI):
//   fileKey = 16 random bytes; one or more stanzas per recipient wrap it
//   header  = "age-encryption.org/v1\n" { "-> " args "\n" body as unpadded base64 lines of 64 characters,
//             the last one shorter (an empty line when the body is a multiple of 48 bytes) } "---"
//   MAC     = HMAC-SHA256(HKDF-SHA256(fileKey, salt = "", info = "header"), header up to and including "---")
//   file    = header " " base64(MAC) "\n" nonce[16] STREAM(HKDF-SHA256(fileKey, nonce, "payload"), plaintext)
//   STREAM  = ChaCha20-Poly1305 chunks of 64 KiB, nonce = 11-byte big-endian counter || 1 for the last chunk,
//             else 0; the last chunk may be full, and only an empty plaintext has an empty (final) chunk.
// Deliberately free of age-encryption: loading typage costs the CLI ~50 ms of its start-up.
import { createCipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

/** One stanza of an age header; structurally typage's Stanza. */
export interface WrappedFileKey {
  readonly args: string[];
  readonly body: Uint8Array;
}

/** A recipient that wraps a file key at once (the native ones do). */
export interface SyncRecipient {
  wrapFileKey(fileKey: Uint8Array): WrappedFileKey[];
}

const VERSION_LINE = "age-encryption.org/v1\n";
const BODY_LINE = 48;
const CHUNK = 64 * 1024;
const TAG = 16;
const EMPTY = Buffer.alloc(0);

/** The age file of `plaintext`, readable by any of `recipients`. Fresh file key and nonce on every call. */
export function encryptAgeFile(plaintext: Uint8Array, recipients: readonly SyncRecipient[]): Uint8Array {
  if (recipients.length === 0) throw new Error("no recipients to encrypt to");
  const fileKey = randomBytes(16);
  try {
    const stanzas = recipients.flatMap((recipient) => recipient.wrapFileKey(fileKey));
    const headerNoMAC = Buffer.from(encodeHeaderNoMAC(stanzas), "latin1");
    const mac = createHmac("sha256", hkdf(fileKey, EMPTY, "header")).update(headerNoMAC).digest();
    const nonce = randomBytes(16);
    const payloadKey = hkdf(fileKey, nonce, "payload");
    const file = Buffer.concat([headerNoMAC, Buffer.from(` ${base64NoPad(mac)}\n`, "latin1"), nonce, ...encryptStream(payloadKey, plaintext)]);
    return new Uint8Array(file.buffer, file.byteOffset, file.byteLength); // a plain Uint8Array, as typage returns
  } finally {
    fileKey.fill(0);
  }
}

/** Standard base64 without padding, as age writes it; Node's native encoder (@scure/base's was ~5% of sealing). */
export function base64NoPad(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return text.slice(0, text.length - padding);
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, salt, info, 32));
}

/** The header up to and including "---", as typage's encodeHeaderNoMAC writes it. */
function encodeHeaderNoMAC(stanzas: readonly WrappedFileKey[]): string {
  let header = VERSION_LINE;
  for (const stanza of stanzas) {
    header += `-> ${stanza.args.join(" ")}\n`;
    for (let at = 0; at < stanza.body.length; at += BODY_LINE) {
      header += `${base64NoPad(stanza.body.subarray(at, at + BODY_LINE))}\n`;
    }
    if (stanza.body.length % BODY_LINE === 0) header += "\n";
  }
  return `${header}---`;
}

/** STREAM encryption as typage does it: every chunk full but the last, which is final even when full. */
function encryptStream(key: Buffer, plaintext: Uint8Array): Buffer[] {
  const chunks = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  const out: Buffer[] = [];
  for (let counter = 0; counter < chunks; counter++) {
    const final = counter === chunks - 1;
    out.push(...sealChunk(key, counter, final, plaintext.subarray(counter * CHUNK, (counter + 1) * CHUNK)));
  }
  return out;
}

function sealChunk(key: Buffer, counter: number, final: boolean, chunk: Uint8Array): Buffer[] {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6); // bytes 0..10 are the counter; a value never has 2^48 chunks
  nonce[11] = final ? 1 : 0;
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG });
  return [cipher.update(chunk), cipher.final(), cipher.getAuthTag()];
}
