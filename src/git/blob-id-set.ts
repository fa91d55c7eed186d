// The set of blob ids a history scan has met, the one structure that grows with the history (18,000 ids at 20,000
// commits). Kept off the JavaScript heap, as raw 20-byte (SHA-1) or 32-byte (SHA-256) ids in one open-addressing
// table: a Set of the raw log's hex strings held every one of them (each a V8 slice that also kept its whole log
// chunk alive), and objects that outlive young-generation collections by the thousand make V8 grow its young
// generation to 16 MiB (BENCHMARKS.md, 8).

/** Slots used at most, of the table's slots, before it doubles: probe sequences stay short. */
const MAX_LOAD = 0.5;

/** A set of hexadecimal object ids (all of one length, as in one repository). */
export class BlobIdSet {
  private width = 0;
  private slots = 0;
  private table = new Uint8Array(0);
  private used = new Uint8Array(0);
  private count = 0;
  private scratch = Buffer.alloc(32);

  /** Adds `oid`; false when it was there already. */
  add(oid: string): boolean {
    if (this.width === 0) this.grow(oid.length / 2, 1024);
    else if (oid.length !== this.width * 2) throw new Error(`object id ${oid} is not ${this.width * 2} hex digits long`);
    const id = this.scratch.subarray(0, this.width);
    id.write(oid, "hex");
    const slot = this.find(id);
    if (this.used[slot] === 1) return false;
    this.put(slot, id);
    if (this.count > this.slots * MAX_LOAD) this.grow(this.width, this.slots * 2);
    return true;
  }

  get size(): number {
    return this.count;
  }

  /** The slot holding `id`, or the empty slot where it belongs (linear probing from its first bytes). */
  private find(id: Uint8Array): number {
    // Object ids are hashes: their first four bytes are already uniformly spread.
    let slot = ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0;
    for (slot &= this.slots - 1; this.used[slot] === 1; slot = (slot + 1) & (this.slots - 1)) {
      if (this.holds(slot, id)) return slot;
    }
    return slot;
  }

  private holds(slot: number, id: Uint8Array): boolean {
    const at = slot * this.width;
    for (let i = 0; i < this.width; i++) if (this.table[at + i] !== id[i]) return false;
    return true;
  }

  private put(slot: number, id: Uint8Array): void {
    this.table.set(id, slot * this.width);
    this.used[slot] = 1;
    this.count++;
  }

  private grow(width: number, slots: number): void {
    const { table, used, width: oldWidth } = this;
    this.width = width;
    this.slots = slots;
    this.table = new Uint8Array(slots * width);
    this.used = new Uint8Array(slots);
    this.count = 0;
    for (let slot = 0; slot < used.length; slot++) {
      if (used[slot] === 1) {
        const id = table.subarray(slot * oldWidth, (slot + 1) * oldWidth);
        this.put(this.find(id), id);
      }
    }
  }
}
