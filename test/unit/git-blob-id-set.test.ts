import { describe, expect, it } from "vitest";
import { BlobIdSet } from "../../src/git/blob-id-set.js";

describe("BlobIdSet", () => {
  it("adds an id once and tells a new id from one met before", () => {
    const ids = new BlobIdSet();
    const a = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
    const b = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5392";
    expect(ids.add(a)).toBe(true);
    expect(ids.add(b)).toBe(true);
    expect(ids.add(a)).toBe(false);
    // A slice of a larger text (as the raw log gives ids) is the same id.
    expect(ids.add(`:100644 100644 ${b} M`.split(" ")[2]!)).toBe(false);
    expect(ids.size).toBe(2);
  });

  it("keeps SHA-256 ids (64 hex digits) apart from SHA-1 ids that share their start", () => {
    const ids = new BlobIdSet();
    const sha256 = "a".repeat(64);
    expect(ids.add(sha256)).toBe(true);
    expect(ids.add("a".repeat(40))).toBe(true);
    expect(ids.add(sha256)).toBe(false);
  });
});
