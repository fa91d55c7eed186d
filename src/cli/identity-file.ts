// Reading a private identity file for recover and keys restore: bounded, strict UTF-8, and checked the way ssh
// checks a private key's mode. A file that group or others may access (mode & 0o077) is still used - refusing
// would block a recovery in an emergency, and age itself never refuses - but every command that reads it says so,
// on stderr, once per file, as ssh's "UNPROTECTED PRIVATE KEY FILE" does.
import { parseIdentityFile } from "../keys.js";
import type { PrivateKey } from "../types.js";
import { decodeUtf8, KEY_FILE_BOUND, readFileBounded } from "./bounded-read.js";

/** The keys in `file`; `warn` gets one line if the file is open to group or others. */
export async function readIdentityFile(file: string, warn: (line: string) => void): Promise<PrivateKey[]> {
  const { bytes, stats } = readFileBounded(file, "identity file", KEY_FILE_BOUND);
  // Parsed first: a file that is no identity at all gets its one error line, not a warning before it.
  const keys = await parseIdentityFile(decodeUtf8(bytes, `identity file ${file}`, "pass the identity file made by age-keygen or kubectl seal keys generate"), file);
  if ((stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, "0");
    warn(`kubectl-seal: warning: identity file ${file} is accessible by group or others (mode ${mode}), and it opens every value sealed to it: run chmod 600 ${file}`);
  }
  return keys;
}
