// Ordering of names and condition types in the controller: by UTF-16 code units, the same on every machine.
// Not String.prototype.localeCompare: its answer depends on the locale, and its first call loads ICU's collation
// data, ~3 MB of the Node binary paged into the controller's resident memory for a sort of ASCII names.

/** A comparator for sort(): a before b when a's code units come first. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
