// The output of `git log --format=%H --raw -z`, parsed chunk by chunk as it streams: a commit id, then one
// `:<modes> <old oid> <new oid> <status>\0<path>\0` entry per changed file. Parsed as bytes, not as decoded text:
// strings split out of a decoded chunk are V8 slices that keep the whole chunk alive as long as any of them lives,
// so every chunk holding a queued change outlived young-generation collections and filled the old one
// (4.8 MB of log at 20,000 commits, BENCHMARKS.md, 8). Strings made here are copies of a few bytes each.

/** An added or changed regular file of a commit. */
export interface Change {
  path: string;
  oid: string;
  commit: string;
}

const NUL = 0x00;
const LF = 0x0a;
const COLON = 0x3a;

export class RawLogParser {
  private carry: Buffer = Buffer.alloc(0);
  private commit = "";
  private entry: { oid: string; keep: boolean } | undefined;

  /** `onCommit` is called once per commit, when its changes are all parsed. */
  constructor(private readonly onCommit: () => void) {}

  /** The added or changed regular files in `chunk` (and, with no chunk, in what was left: the end). */
  push(chunk?: Buffer): Change[] {
    const bytes = chunk === undefined ? this.carry : this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const found: Change[] = [];
    let start = 0;
    for (let end = bytes.indexOf(NUL, start); end >= 0; end = bytes.indexOf(NUL, start)) {
      this.take(bytes, start, end, found);
      start = end + 1;
    }
    if (chunk === undefined) {
      if (start < bytes.length) this.take(bytes, start, bytes.length, found);
      this.carry = Buffer.alloc(0);
      if (this.commit !== "") this.onCommit();
    } else {
      this.carry = Buffer.from(bytes.subarray(start)); // a copy: the chunk itself is not kept
    }
    return found;
  }

  private take(bytes: Buffer, start: number, end: number, found: Change[]): void {
    if (this.entry) {
      if (this.entry.keep) found.push({ path: bytes.toString("utf8", start, end), oid: this.entry.oid, commit: this.commit });
      this.entry = undefined;
      return;
    }
    if (bytes[start] === LF) start++;
    if (start >= end) return;
    if (bytes[start] === COLON) {
      // ":100644 100644 <old oid> <new oid> M": keep added or changed regular files, not symlinks or submodules.
      const [, mode, , oid, status] = bytes.toString("latin1", start + 1, end).split(" ");
      this.entry = { oid: oid ?? "", keep: (mode === "100644" || mode === "100755") && status !== "D" };
      return;
    }
    if (this.commit !== "") this.onCommit();
    this.commit = bytes.toString("latin1", start, end).trim();
  }
}
