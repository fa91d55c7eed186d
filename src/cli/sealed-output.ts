// What `kubectl seal` prints or writes: SealedSecret manifests (YAML or JSON), one sealed value alone (--raw), or
// an existing sealed file with the new values merged in (--merge-into).
import { InputError } from "../errors.js";
import { parseManifests, printManifests, type ManifestFormat } from "../manifest.js";
import { mergeSealed } from "../merge.js";
import { describeObject } from "../names.js";
import { sealedSecretFromManifest } from "../sealed-manifest.js";
import type { SealedSecret } from "../types.js";
import { readTextFile } from "./inputs.js";

export interface OutputChoice {
  raw?: boolean | undefined;
  output?: string | undefined;
  /** A sealed file to merge the (single) result into. */
  mergeInto?: string | undefined;
}

/** The text to write. Merging keeps the merged file's format (JSON or YAML) unless -o says otherwise. */
export function sealedOutput(sealed: readonly SealedSecret[], choice: OutputChoice): string {
  if (choice.raw === true) return `${rawValue(sealed)}\n`;
  if (choice.mergeInto === undefined) return printManifests(sealed, formatOf(choice.output));
  const single = onlyOne(sealed, "--merge-into");
  const text = readTextFile(choice.mergeInto, "sealed file");
  const docs = parseManifests(text, choice.mergeInto);
  if (docs.length !== 1) {
    throw new InputError(`${choice.mergeInto} holds ${docs.length} objects, not one SealedSecret`, "merge into a file with exactly one SealedSecret");
  }
  const existing = sealedSecretFromManifest(docs[0], choice.mergeInto);
  const merged = mergeSealed(existing, single);
  return printManifests([merged], formatOf(choice.output ?? (text.trimStart().startsWith("{") ? "json" : "yaml")));
}

function formatOf(output: string | undefined): ManifestFormat {
  return output === "json" ? "json" : "yaml";
}

/** The base64 age file of the one value sealed. */
function rawValue(sealed: readonly SealedSecret[]): string {
  const single = onlyOne(sealed, "--raw");
  const entries = Object.entries(single.spec.encryptedData);
  const [first] = entries;
  if (entries.length !== 1 || first === undefined) {
    throw new InputError(
      `--raw seals one value, but Secret ${describeObject(single.metadata.namespace, single.metadata.name)} has ${entries.length} keys`,
      "give exactly one --from-literal or --from-file",
    );
  }
  return first[1];
}

function onlyOne(sealed: readonly SealedSecret[], flag: string): SealedSecret {
  const [first] = sealed;
  if (sealed.length !== 1 || first === undefined) {
    throw new InputError(`${flag} takes one Secret, but the input holds ${sealed.length}`, "pass a single Secret");
  }
  return first;
}
