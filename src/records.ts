// Maps keyed by user input (Secret data keys such as "__proto__" or "valueOf" are valid Kubernetes keys):
// read only own properties and write with defineProperty, so no key reaches Object.prototype.

export function getOwn<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A plain map (not null, not a list), as parsed YAML/JSON objects are. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
