// The set of blob ids a history scan has met, the one structure that grows with the history (18,000 ids at 20,000
// commits). Kept as 20-byte binary strings, not the 40-character hex ids the raw log gives: those are slices of
// the log's decoded chunks, and V8 keeps a slice's whole parent string alive, so a Set of them held the entire
// `git log` output (BENCHMARKS.md, 8).

/** A set of hexadecimal object ids (SHA-1 or SHA-256), stored compactly and detached from the text they came from. */
export class BlobIdSet {
  private readonly ids = new Set<string>();

  /** Adds `oid`; false when it was there already. */
  add(oid: string): boolean {
    const key = Buffer.from(oid, "hex").toString("latin1");
    if (this.ids.has(key)) return false;
    this.ids.add(key);
    return true;
  }

  get size(): number {
    return this.ids.size;
  }
}
