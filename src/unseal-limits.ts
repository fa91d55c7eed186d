// Limits of the unseal path, checked before any key is tried (docs/FORMAT.md "Limits"). Opening a value costs one
// key agreement per recipient stanza and held key; anyone allowed to create a SealedSecret chooses the stanzas, so
// without a bound one object of 20,000 fake stanzas cost seconds of the controller's CPU. A value sealed by
// kubectl seal has one stanza per recipient (the clusters' current keys plus a recovery key or two): a handful.
// An object over a limit is "malformed": nothing about it is decrypted, and the controller does not retry it
// until it changes. The checks only count bytes and lines; none decodes a stanza.
import { UnsealError } from "./errors.js";
import type { SealedSecret } from "./types.js";

/** Recipient stanzas in one value's age header (kubectl seal writes one per recipient). */
export const MAX_STANZAS_PER_VALUE = 16;
/** Bytes of one value's age header: 16 post-quantum stanzas (~1.6 KB each) fit. */
export const MAX_HEADER_BYTES = 32 * 1024;
/** Values (data keys) in one SealedSecret. */
export const MAX_VALUES = 256;
/** Recipient stanzas over all values of one SealedSecret: bounds the key agreements one object can ask for. */
export const MAX_STANZAS_PER_OBJECT = 1024;
/** Base64 characters of spec.encryptedData in all: a full 1 MiB Secret sealed takes ~1.4 MB. */
export const MAX_ENCRYPTED_BYTES = 2 * 1024 * 1024;

const ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";
const HINT = "reseal the Secret with kubectl seal";

/** Refuses an object over the value-count or size limit, before any value is decoded. */
export function checkObjectLimits(sealed: SealedSecret, object: string): void {
  const values = Object.values(sealed.spec.encryptedData);
  if (values.length > MAX_VALUES) {
    throw new UnsealError("malformed", `${object} has ${values.length} values, over the limit of ${MAX_VALUES}`, "split it into several SealedSecrets");
  }
  const size = values.reduce((sum, value) => sum + value.length, 0);
  if (size > MAX_ENCRYPTED_BYTES) {
    throw new UnsealError("malformed", `${object} has ${size} bytes of spec.encryptedData, over the limit of ${MAX_ENCRYPTED_BYTES}`, "split it into several SealedSecrets");
  }
}

/** An encryptedData string that holds an ASCII-armored age file instead of base64 of a binary one. */
export function isArmored(encoded: string): boolean {
  return encoded.trimStart().startsWith(ARMOR_BEGIN);
}

/** The error for an armored value: it is not damaged, it is in the wrong encoding. */
export function armoredError(where: string, dataKey: string): UnsealError {
  return new UnsealError(
    "malformed",
    `${where}: the value is an ASCII-armored age file (${ARMOR_BEGIN}), not base64 of a binary one`,
    "encrypt without age -a/--armor and base64 -w0 the file, or reseal the value with kubectl seal",
    { dataKey },
  );
}

/**
 * The number of recipient stanzas in `file`'s header, counted line by line up to the limits; an UnsealError
 * ("malformed") as soon as one is passed, without reading further. A damaged header is left to the parser.
 */
export function countStanzas(file: Uint8Array, where: string, dataKey: string): number {
  if (startsWithText(file, 0, ARMOR_BEGIN)) throw armoredError(where, dataKey);
  let stanzas = 0;
  for (let pos = 0; ; ) {
    const end = file.subarray(pos, MAX_HEADER_BYTES + 1).indexOf(0x0a);
    if (end < 0) {
      if (file.length > MAX_HEADER_BYTES) throw new UnsealError("malformed", `${where}: its age header is longer than ${MAX_HEADER_BYTES} bytes`, HINT, { dataKey });
      return stanzas; // no end of header: the parser reports the damage
    }
    if (startsWithText(file, pos, "---")) return stanzas;
    if (startsWithText(file, pos, "-> ") && ++stanzas > MAX_STANZAS_PER_VALUE) {
      throw new UnsealError("malformed", `${where}: its age header has more than ${MAX_STANZAS_PER_VALUE} recipient stanzas`, HINT, { dataKey });
    }
    pos += end + 1;
  }
}

/** Adds one value's stanzas to the object's total; refuses the object once the total passes its limit. */
export function checkStanzaTotal(total: number, object: string): void {
  if (total > MAX_STANZAS_PER_OBJECT) {
    throw new UnsealError("malformed", `${object} has more than ${MAX_STANZAS_PER_OBJECT} recipient stanzas in all`, "split it into several SealedSecrets, or seal to fewer recipients");
  }
}

function startsWithText(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}
