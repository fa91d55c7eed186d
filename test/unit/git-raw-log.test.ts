import { describe, expect, it } from "vitest";
import { RawLogParser, type Change } from "../../src/git/raw-log.js";

const C1 = "1".repeat(40);
const C2 = "2".repeat(40);
const Z = "0".repeat(40);
const A = "a".repeat(40);
const B = "b".repeat(40);
const L = "c".repeat(40);

// `git log --format=%H --raw -z` for two commits: an added file with a non-ASCII name, a symlink, a change, a deletion.
const LOG = Buffer.from(
  `${C1}\0\n:000000 100644 ${Z} ${A} A\0apps/dé/secret.yaml\0:000000 120000 ${Z} ${L} A\0link.yaml\0` +
    `${C2}\0\n:100644 100755 ${A} ${B} M\0apps/dé/secret.yaml\0:100644 000000 ${B} ${Z} D\0gone.yaml\0`,
);
const EXPECTED: Change[] = [
  { path: "apps/dé/secret.yaml", oid: A, commit: C1 },
  { path: "apps/dé/secret.yaml", oid: B, commit: C2 },
];

function parse(chunks: Buffer[]): { changes: Change[]; commits: number } {
  let commits = 0;
  const parser = new RawLogParser(() => commits++);
  const changes = chunks.flatMap((chunk) => parser.push(chunk));
  return { changes: [...changes, ...parser.push()], commits };
}

describe("RawLogParser", () => {
  it("lists the added and changed regular files of each commit, not symlinks or deletions", () => {
    expect(parse([LOG])).toEqual({ changes: EXPECTED, commits: 2 });
  });

  it("gives the same answer however the output is cut into chunks, even inside a UTF-8 character", () => {
    const cut = LOG.indexOf(Buffer.from("é")) + 1; // between the two bytes of "é"
    for (const at of [1, 40, 41, 42, 60, cut, LOG.length - 1]) {
      expect(parse([LOG.subarray(0, at), LOG.subarray(at)])).toEqual({ changes: EXPECTED, commits: 2 });
    }
    const bytes = [...LOG].map((byte) => Buffer.from([byte]));
    expect(parse(bytes)).toEqual({ changes: EXPECTED, commits: 2 });
  });

  it("does not keep the chunks it was given: reusing a chunk's memory afterwards changes nothing", () => {
    const chunk = Buffer.from(LOG);
    const parser = new RawLogParser(() => {});
    const at = LOG.indexOf(Buffer.from("apps/")) + 3; // inside the first path: its start is carried over
    const changes = parser.push(chunk.subarray(0, at));
    chunk.fill(0x7a);
    changes.push(...parser.push(LOG.subarray(at)), ...parser.push());
    expect(changes).toEqual(EXPECTED);
  });
});
