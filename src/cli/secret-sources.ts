// The Secrets `kubectl seal` is asked to seal: from manifest files/directories/stdin, or built from --from-*
// flags. --name and --namespace fill in what a manifest leaves out and must agree with what it says.
import { InputError } from "../errors.js";
import { parseManifestEntries } from "../manifest.js";
import { describeObject } from "../names.js";
import { requireScopeTarget } from "../scope.js";
import { secretFromManifest } from "../secret.js";
import type { PlainSecret, Scope } from "../types.js";
import { readInputs } from "./inputs.js";
import { hasValueFlags, secretFromFlags, type SecretFlags } from "./secret-flags.js";

/**
 * Every Secret to seal, in input order, each checked to have what `scope` binds to (so the message can name the
 * file it came from).
 */
export async function secretsToSeal(files: readonly string[], flags: SecretFlags, scope: Scope): Promise<PlainSecret[]> {
  if (hasValueFlags(flags)) {
    if (files.length > 0) {
      throw new InputError(`both manifest files (${files.join(", ")}) and --from-* flags given`, "seal either files or one Secret built from --from-* flags");
    }
    const secret = await secretFromFlags(flags);
    requireScopeTarget(scope, secret.namespace, secret.name, "--from-* flags");
    return [secret];
  }
  const inputs = await readInputs(files);
  const secrets: PlainSecret[] = [];
  for (const { text, source } of inputs) {
    for (const { doc, where } of parseManifestEntries(text, source)) {
      const secret = withFlagDefaults(secretFromManifest(doc, where), flags, where);
      requireScopeTarget(scope, secret.namespace, secret.name, where);
      secrets.push(secret);
    }
  }
  if (secrets.length === 0) {
    const from = inputs.map((input) => input.source).join(", ");
    throw new InputError(`${from} holds no Secret`, "pass Secret manifests, or build one with --from-literal/--from-file/--from-env-file");
  }
  return secrets;
}

/** --name/--namespace/--type fill in a manifest's missing fields; a different value in the manifest is refused. */
function withFlagDefaults(secret: PlainSecret, flags: SecretFlags, where: string): PlainSecret {
  const out = { ...secret };
  for (const field of ["name", "namespace", "type"] as const) {
    const given = flags[field];
    if (given === undefined) continue;
    const inFile = secret[field];
    if (inFile !== undefined && inFile !== given) {
      throw new InputError(
        `${where}: Secret ${describeObject(secret.namespace, secret.name)} has ${field} ${JSON.stringify(inFile)} but --${field} is ${JSON.stringify(given)}`,
        `drop --${field} or make the manifest agree`,
      );
    }
    out[field] = given;
  }
  return out;
}
