import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BlobIdSet } from "../../src/git/blob-id-set.js";

const sha = (algorithm: "sha1" | "sha256", i: number): string => createHash(algorithm).update(String(i)).digest("hex");

describe("BlobIdSet", () => {
  it("adds an id once and tells a new id from one met before", () => {
    const ids = new BlobIdSet();
    const a = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
    const b = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5392"; // same first bytes: the same slot to start from
    expect(ids.add(a)).toBe(true);
    expect(ids.add(b)).toBe(true);
    expect(ids.add(a)).toBe(false);
    // A slice of a larger text (as the raw log gives ids) is the same id.
    expect(ids.add(`:100644 100644 ${b} M`.split(" ")[2]!)).toBe(false);
    expect(ids.size).toBe(2);
  });

  it("keeps every id through the table's growth, for SHA-1 and SHA-256 repositories", () => {
    for (const algorithm of ["sha1", "sha256"] as const) {
      const ids = new BlobIdSet();
      for (let i = 0; i < 5000; i++) expect(ids.add(sha(algorithm, i))).toBe(true);
      for (let i = 0; i < 5000; i++) expect(ids.add(sha(algorithm, i))).toBe(false);
      expect(ids.add(sha(algorithm, 5000))).toBe(true);
      expect(ids.size).toBe(5001);
    }
  });

  it("refuses an id of another length than the first", () => {
    const ids = new BlobIdSet();
    ids.add(sha("sha1", 1));
    expect(() => ids.add(sha("sha256", 1))).toThrow(/is not 40 hex digits long/);
  });
});
