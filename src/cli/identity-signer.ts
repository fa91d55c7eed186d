// The bundle signer of an offline key set, kept in the identity file next to the keys (one private file to back
// up), so the bundle can be re-signed later with new keys. It is a comment line to age, which ignores it:
//
//   # signer: <base64 of the 64-byte Ed25519 secret key (32-byte seed, then the public key)>
//
// See docs/FORMAT.md "Identity files". The line is as secret as the keys; messages never quote it.
import nacl from "tweetnacl";
import { decodeBase64, encodeBase64 } from "../base64.js";
import { InputError } from "../errors.js";
import type { Signer } from "../bundle-sign.js";

const SIGNER_LINE = /^#\s*signer:\s*(\S+)\s*$/;

/** The line to put at the top of an identity file. */
export function signerLine(signer: Signer): string {
  return `# signer: ${encodeBase64(signer.secretKey)}\n`;
}

/** The signer stored in an identity file's text, undefined when it has none (e.g. a file from age-keygen). */
export function signerOfIdentityFile(text: string, source: string): Signer | undefined {
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((line) => SIGNER_LINE.test(line.trim()));
  if (index < 0) return undefined;
  const encoded = SIGNER_LINE.exec(lines[index]?.trim() ?? "")?.[1] ?? "";
  const secretKey = decodeBase64(encoded);
  const damaged = (): InputError =>
    new InputError(`${source}: line ${index + 1} holds a damaged bundle signer`, "restore the file from its backup");
  if (secretKey?.length !== nacl.sign.secretKeyLength) throw damaged();
  // The second half is the public key; it must be the one the seed gives, or the line was edited.
  const pair = nacl.sign.keyPair.fromSeed(secretKey.subarray(0, 32));
  if (encodeBase64(pair.publicKey) !== encodeBase64(secretKey.subarray(32))) throw damaged();
  return { publicKey: encodeBase64(pair.publicKey), secretKey };
}
