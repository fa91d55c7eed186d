// The key backup's envelope: one binary age v1 file encrypted to the admins' recipients, so the standard
// `age -d -i IDENTITY FILE` opens it. The post-quantum rule of docs/FORMAT.md section 2 holds here too: all
// recipients classic (age1...) or all post-quantum (age1pq1...), never mixed.
import { Decrypter, Encrypter, armor } from "age-encryption";
import { InputError } from "../errors.js";
import { keyTypeOf } from "../keys.js";
import type { PrivateKey } from "../types.js";

const AGE_HEADER = "age-encryption.org/v1\n";
const ARMOR_HEADER = "-----BEGIN AGE ENCRYPTED FILE-----";

/** The recipients, checked and deduplicated; InputError naming the one that is wrong (they are public keys). */
export function backupRecipients(recipients: readonly string[]): string[] {
  const unique = [...new Set(recipients.map((r) => r.trim()))];
  if (unique.length === 0) throw new InputError("no --recipient given", "pass the age public key (age1...) of at least one admin");
  const types = new Set(unique.map((r) => keyTypeOf(r, "--recipient")));
  if (types.size > 1) {
    throw new InputError(
      "--recipient: post-quantum (age1pq1...) and classic X25519 (age1...) recipients cannot be mixed",
      "the classic one would undo the post-quantum protection; give recipients of one type",
    );
  }
  return unique;
}

export async function encryptBackup(plaintext: string, recipients: readonly string[]): Promise<Uint8Array> {
  const encrypter = new Encrypter();
  for (const recipient of backupRecipients(recipients)) {
    try {
      encrypter.addRecipient(recipient);
    } catch {
      throw new InputError(`--recipient ${recipient} is not a valid age recipient (bad checksum or length)`, "copy the public key line from age-keygen again");
    }
  }
  return encrypter.encrypt(plaintext);
}

/**
 * The plaintext of a backup file (binary or ASCII-armored age), opened with any of `identities`. Failures are
 * InputErrors naming `source` and `identitySource`: not an age file, no matching identity, damaged.
 */
export async function decryptBackup(file: Uint8Array, identities: readonly PrivateKey[], source: string, identitySource: string): Promise<string> {
  const bytes = unarmored(file, source);
  if (!startsWith(bytes, AGE_HEADER)) {
    throw new InputError(`${source} is not an age file`, "pass the file written by `kubectl seal keys backup`");
  }
  const decrypter = new Decrypter();
  for (const key of identities) decrypter.addIdentity(key.identity);
  try {
    return await decrypter.decrypt(bytes, "text");
  } catch (error) {
    // age's messages never quote identities, but only this one is worth passing on as is.
    if (error instanceof Error && error.message.includes("no identity matched")) {
      throw new InputError(
        `none of the identities in ${identitySource} can open ${source}`,
        "pass the identity file of one of the admin recipients the backup was made for (--identity)",
      );
    }
    throw new InputError(`${source} is damaged: it does not decrypt as a whole`, "use another copy of the backup");
  }
}

function unarmored(file: Uint8Array, source: string): Uint8Array {
  const text = new TextDecoder().decode(file.subarray(0, 200)).trimStart();
  if (!text.startsWith(ARMOR_HEADER)) return file;
  try {
    return armor.decode(new TextDecoder().decode(file));
  } catch {
    throw new InputError(`${source} is an ASCII-armored age file with damaged armor`, "use another copy of the backup");
  }
}

function startsWith(bytes: Uint8Array, prefix: string): boolean {
  const expected = new TextEncoder().encode(prefix);
  return bytes.length >= expected.length && expected.every((byte, i) => bytes[i] === byte);
}
