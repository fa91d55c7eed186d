// Round robin between lanes (one per namespace): items wait in their lane in order, and the lanes that have items
// take turns, so a lane holding thousands of items delays another lane's next item by at most one of its own. The
// unseal pool (unseal-pool.ts) hands values to its threads this way; a Map's insertion order is the turn order.

export class FairLanes<T> {
  /** lane -> its waiting items; a served lane goes to the back of the Map, and leaves it once empty. */
  private readonly lanes = new Map<string, T[]>();
  private count = 0;

  /** Items waiting in all lanes. */
  get length(): number {
    return this.count;
  }

  push(lane: string, item: T): void {
    const items = this.lanes.get(lane);
    if (items === undefined) this.lanes.set(lane, [item]);
    else items.push(item);
    this.count++;
  }

  /** The first item of the lane whose turn it is (that lane goes to the back), or undefined when all are empty. */
  shift(): T | undefined {
    for (const [lane, items] of this.lanes) {
      const item = items.shift();
      this.lanes.delete(lane);
      if (item === undefined) continue;
      if (items.length > 0) this.lanes.set(lane, items);
      this.count--;
      return item;
    }
    return undefined;
  }

  /** Takes every waiting item out, in no particular order (for shutting down). */
  drain(): T[] {
    const all = [...this.lanes.values()].flat();
    this.lanes.clear();
    this.count = 0;
    return all;
  }
}
