// Kubernetes naming rules the format relies on: the binding line separates namespace, name and data key with
// "/" and spaces, which none of these may contain, so a valid triple has exactly one binding line.

/** Secret data keys: Kubernetes' IsConfigMapKey. */
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
/** Namespaces: a DNS-1123 label. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Object names (Secrets): a DNS-1123 subdomain. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDataKey(key: string): boolean {
  return key.length <= 253 && DATA_KEY.test(key) && key !== "." && key !== ".." && !key.startsWith("..");
}

export function isNamespace(namespace: string): boolean {
  return namespace.length <= 63 && DNS_LABEL.test(namespace);
}

export function isObjectName(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

/** "ns/name", or whichever half is known, for messages. */
export function describeObject(namespace: string | undefined, name: string | undefined): string {
  if (namespace !== undefined && name !== undefined) return `${namespace}/${name}`;
  if (name !== undefined) return name;
  if (namespace !== undefined) return `${namespace}/(no name)`;
  return "(no name)";
}
