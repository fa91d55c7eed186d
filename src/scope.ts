// The binding line: the first line of every sealed plaintext, saying what the value is bound to. It is inside
// the age encryption, so it is authenticated: a ciphertext copied to another object is refused on unseal.
//
//   strict     seal.dev/v1alpha1 strict <namespace>/<name>/<dataKey>
//   namespace  seal.dev/v1alpha1 namespace <namespace>
//   cluster    seal.dev/v1alpha1 cluster
//
// Plaintext = binding line + "\n" + raw value, so `age -d -i key.txt v.age | tail -n +2` yields the value.
import { InputError } from "./errors.js";
import { describeObject, isDataKey, isNamespace, isObjectName } from "./names.js";
import { API_VERSION, SCOPES, type Scope } from "./types.js";

export interface BindingTarget {
  namespace?: string | undefined;
  name?: string | undefined;
  dataKey: string;
}

/** kubeseal's --scope names, accepted by `kubectl seal --scope` for the same reach. */
export const KUBESEAL_SCOPES: Readonly<Record<string, Scope>> = { "namespace-wide": "namespace", "cluster-wide": "cluster" };

/** A scope name from a flag or a file, or InputError listing the valid ones. */
export function parseScope(value: unknown, where: string): Scope {
  if (typeof value === "string" && (SCOPES as readonly string[]).includes(value)) return value as Scope;
  throw new InputError(`${where}: unknown scope ${JSON.stringify(value)}`, `use one of ${SCOPES.join(", ")}`);
}

/** Refuse a secret that lacks what its scope binds to (strict: namespace and name; namespace: namespace). */
export function requireScopeTarget(scope: Scope, namespace: string | undefined, name: string | undefined, where: string): void {
  const object = describeObject(namespace, name);
  if (scope !== "cluster" && (namespace === undefined || namespace === "")) {
    throw new InputError(
      `${where}: Secret ${object} has no namespace, which ${scope} scope binds to`,
      "set metadata.namespace (or --namespace), or choose --scope cluster",
    );
  }
  if (scope === "strict" && (name === undefined || name === "")) {
    throw new InputError(
      `${where}: Secret ${object} has no name, which strict scope binds to`,
      "set metadata.name (or --name), or choose --scope namespace or cluster",
    );
  }
  if (namespace !== undefined && !isNamespace(namespace)) {
    throw new InputError(`${where}: ${JSON.stringify(namespace)} is not a valid namespace`, "use lowercase letters, digits and '-'");
  }
  if (name !== undefined && !isObjectName(name)) {
    throw new InputError(`${where}: ${JSON.stringify(name)} is not a valid object name`, "use lowercase letters, digits, '-' and '.'");
  }
}

/** The binding line (without its newline). Callers check the target with requireScopeTarget first. */
export function bindingLine(scope: Scope, target: BindingTarget): string {
  if (!isDataKey(target.dataKey)) throw new InputError(`data key ${JSON.stringify(target.dataKey)} is not valid`, "use letters, digits, '-', '_' and '.'");
  switch (scope) {
    case "strict":
      return `${API_VERSION} strict ${target.namespace ?? ""}/${target.name ?? ""}/${target.dataKey}`;
    case "namespace":
      return `${API_VERSION} namespace ${target.namespace ?? ""}`;
    case "cluster":
      return `${API_VERSION} cluster`;
  }
}

/** binding line + "\n" + value. */
export function bindPlaintext(binding: string, value: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${binding}\n`);
  const out = new Uint8Array(head.byteLength + value.byteLength);
  out.set(head);
  out.set(value, head.byteLength);
  return out;
}

/** Split a decrypted plaintext into its binding line and value; undefined when there is no binding line. */
export function splitPlaintext(plaintext: Uint8Array): { binding: string; value: Uint8Array } | undefined {
  const newline = plaintext.indexOf(0x0a);
  if (newline < 0) return undefined;
  const binding = new TextDecoder("utf-8", { fatal: false }).decode(plaintext.subarray(0, newline));
  if (!binding.startsWith("seal.dev/")) return undefined;
  return { binding, value: plaintext.subarray(newline + 1) };
}
