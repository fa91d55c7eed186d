// What Migrate does with ONE Bitnami SealedSecret of a request: open every value with Bitnami's scheme and the label
// of the object's Bitnami scope, then seal them all with age to the cluster's current keys in the matching
// kubectl-seal scope (src/bitnami/sealed-secret.ts). As for Reencrypt, nothing here touches the API, a failure
// is an answer (ok: false), and plaintexts are zeroed right after sealing; the answer holds new ciphertexts only.
import { seal } from "../src/index.js";
import type { PlainSecret } from "../src/index.js";
import { decodeBase64 } from "../src/base64.js";
import { BitnamiDecryptError, bitnamiDecrypt, type BitnamiKey } from "../src/bitnami/crypto.js";
import { bitnamiLabel, bitnamiProblem, bitnamiScopeOf, migratedScope, type BitnamiSealedSecret } from "../src/bitnami/sealed-secret.js";
import { setOwn } from "../src/records.js";
import { failure, labelOf, wipe, type ObjectResult, type ResealTarget } from "./request-objects.js";

export async function migrateObject(object: unknown, keys: readonly BitnamiKey[], target: ResealTarget): Promise<ObjectResult> {
  const label = labelOf(object);
  const problem = bitnamiProblem(object);
  if (problem !== undefined) return { object: label, ok: false, reason: "malformed", message: `Bitnami SealedSecret ${label} ${problem}` };
  const sealed = object as BitnamiSealedSecret;
  const scope = bitnamiScopeOf(sealed);
  const binding = bitnamiLabel(sealed);
  const data: Record<string, Uint8Array> = {};
  try {
    for (const [dataKey, text] of Object.entries(sealed.spec.encryptedData)) {
      const bytes = decodeBase64(text);
      if (bytes === undefined) return refused(label, "tampered", `value ${dataKey} is not base64`);
      try {
        setOwn(data, dataKey, bitnamiDecrypt(keys, bytes, binding).value);
      } catch (err) {
        if (!(err instanceof BitnamiDecryptError)) throw err;
        return err.failure === "no-key"
          ? refused(label, "unknown-key", `value ${dataKey} does not open with any Bitnami key as ${scope} (sealed with another key, or for another name, namespace or scope)`)
          : refused(label, "tampered", `value ${dataKey} was damaged (${err.message})`);
      }
    }
    const { name, namespace } = sealed.metadata;
    const plain: PlainSecret = { data, ...(name === undefined ? {} : { name }), ...(namespace === undefined ? {} : { namespace }) };
    const resealed = await seal(plain, target.keys, { scope: migratedScope(sealed), recipients: target.recipients, now: target.now });
    return { object: label, ok: true, encryptedData: resealed.spec.encryptedData, sealedTo: resealed.spec.sealedTo ?? {} };
  } catch (err) {
    return failure(object, err);
  } finally {
    wipe(data);
  }
}

function refused(label: string, reason: "tampered" | "unknown-key", what: string): ObjectResult {
  return { object: label, ok: false, reason, message: `Bitnami SealedSecret ${label}: ${what}` };
}
