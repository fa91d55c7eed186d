// Key bundle files given with --keys: each is read, parsed and verified (signature, key ids) before any of its
// keys is used. Offline: nothing here talks to a cluster.
import { verifyBundle } from "../bundle.js";
import { BundleError, SealError } from "../errors.js";
import { parseManifests } from "../manifest.js";
import type { KeyBundle } from "../types.js";
import { KEY_FILE_BOUND } from "./bounded-read.js";
import { readTextFile } from "./inputs.js";

/** The verified bundle in `file`; errors name the file. */
export function readBundleFile(file: string): KeyBundle {
  const text = readTextFile(file, "key bundle", KEY_FILE_BOUND);
  try {
    const docs = parseManifests(text, file);
    if (docs.length !== 1) {
      throw new BundleError(`key bundle ${file} holds ${docs.length} documents, not one KeyBundle`, "pass one bundle per --keys");
    }
    return verifyBundle(docs[0]);
  } catch (error) {
    // verifyBundle's messages say "key bundle ..." without the file: add it, keep the hint.
    if (error instanceof SealError && !error.message.includes(file)) {
      throw new BundleError(`${file}: ${error.message}`, "", { cause: error });
    }
    throw error;
  }
}
