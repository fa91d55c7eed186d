// The history engine on Git's own plumbing: one `git log --raw` lists, commit by commit (oldest first), the blobs
// each commit changed against its first parent (Git compares trees by id, so unchanged subtrees cost nothing), and
// one `git cat-file --batch` streams the contents of the new ones. Two processes for the whole scan (and a third
// counting commits for progress); in memory only the ids of the blobs met and a bounded window of blobs in flight.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { BlobIdSet } from "./blob-id-set.js";
import { GitStoreError } from "./errors.js";
import type { HistoryBlob, HistoryEngine, HistoryOptions } from "./history.js";
import { RawLogParser, type Change } from "./raw-log.js";
import type { Repository } from "./repo.js";

/** Blobs asked of cat-file and not yet scanned, at most: both pipes stay busy, memory stays bounded. */
const WINDOW = 64;

// Settings a user's config could set that would change what `git log` prints.
const NEUTRAL_CONFIG = ["-c", "log.showSignature=false", "-c", "log.follow=false", "-c", "core.quotePath=false"];

// Git keeps up to 96 MiB of inflated delta bases by default: `git log --raw` over 20,000 commits filled 31 MiB of
// it and, at 60 MiB, outgrew the scan's own process. 8 MiB brings it to 37 MiB at no cost in time there
// (BENCHMARKS.md, 8).
const BOUNDED_CACHE = ["-c", "core.deltaBaseCacheLimit=8m"];

function git(repo: Repository, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("git", [`--git-dir=${repo.gitdir}`, ...NEUTRAL_CONFIG, ...args], {
    cwd: repo.dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 20,
  });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

function gitAsync(repo: Repository, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("git", [`--git-dir=${repo.gitdir}`, ...NEUTRAL_CONFIG, ...args], { cwd: repo.dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", (error) => resolve({ status: null, stdout, stderr: error.message }));
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** The revision arguments for the range: every ref and HEAD, less what `since` reaches, at most `maxCount`. */
function revisions(repo: Repository, options: HistoryOptions): string[] {
  const args = ["--all"];
  if (options.since !== undefined) {
    const resolved = git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${options.since}^{commit}`]);
    if (resolved.status !== 0) {
      throw new GitStoreError(`--since ${options.since}: no such commit in ${repo.dir}`, "give a commit, branch or tag of this repository");
    }
    args.push(`^${resolved.stdout.trim()}`);
  }
  if (options.maxCount !== undefined) args.push(`--max-count=${options.maxCount}`);
  // A path limit must not simplify away side branches that touched the path and were merged back unchanged.
  if (options.filter.under !== "") args.push("--full-history");
  return args;
}

const pathspec = (options: HistoryOptions): string[] => (options.filter.under === "" ? [] : ["--", options.filter.under]);

interface Pending {
  resolve: (blob: { size: number; content: Uint8Array | undefined }) => void;
  reject: (error: Error) => void;
}

/** One `git cat-file --batch` process answering blob reads in the order they were asked. */
class BlobReader {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Pending[] = [];
  private header = Buffer.alloc(0);
  private body: { size: number; chunks: Buffer[]; got: number } | undefined;
  private failure: Error | undefined;

  constructor(repo: Repository, private readonly maxBytes: number) {
    this.child = spawn("git", [`--git-dir=${repo.gitdir}`, ...BOUNDED_CACHE, "cat-file", "--batch"], { cwd: repo.dir, stdio: "pipe" });
    this.child.stdout.on("data", (chunk: Buffer) => this.take(chunk));
    this.child.on("error", (error) => this.fail(error));
    this.child.on("exit", (code) => this.fail(new Error(`git cat-file exited with ${code}`)));
    this.child.stdin.on("error", (error) => this.fail(error));
  }

  private requests: string[] = [];

  /** Asks for a blob; requests go out together at the next flush() (one write, not one per blob). */
  read(oid: string): Promise<{ size: number; content: Uint8Array | undefined }> {
    if (this.failure) return Promise.reject(this.failure);
    this.requests.push(oid);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  flush(): void {
    if (this.requests.length === 0 || this.failure) return;
    this.child.stdin.write(`${this.requests.join("\n")}\n`);
    this.requests = [];
  }

  close(): void {
    this.child.stdout.removeAllListeners("data");
    this.child.removeAllListeners("exit");
    this.child.stdin.end();
    if (this.child.exitCode === null) this.child.kill();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.waiting.splice(0)) pending.reject(this.failure);
  }

  private take(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0) {
      if (!this.body) {
        const end = rest.indexOf(0x0a);
        if (end < 0) {
          this.header = Buffer.concat([this.header, rest]);
          return;
        }
        const line = Buffer.concat([this.header, rest.subarray(0, end)]).toString("latin1");
        this.header = Buffer.alloc(0);
        rest = rest.subarray(end + 1);
        const [, type, size] = line.split(" ");
        if (type === undefined || size === undefined) {
          this.fail(new Error(`git cat-file: ${line}`)); // "<oid> missing": the repository is damaged
          return;
        }
        this.body = { size: Number(size), chunks: [], got: 0 };
      }
      // Content, then one LF.
      const want = this.body.size + 1 - this.body.got;
      const part = rest.subarray(0, want);
      if (this.body.size <= this.maxBytes) this.body.chunks.push(part);
      this.body.got += part.length;
      rest = rest.subarray(part.length);
      if (this.body.got === this.body.size + 1) {
        const { size, chunks } = this.body;
        this.body = undefined;
        const content = size <= this.maxBytes ? Buffer.concat(chunks).subarray(0, size) : undefined;
        this.waiting.shift()?.resolve({ size, content });
      }
    }
  }
}

async function commitCount(repo: Repository, counting: ReturnType<typeof gitAsync>): Promise<number> {
  const counted = await counting;
  if (counted.status !== 0) throw new GitStoreError(`git rev-list failed in ${repo.dir}: ${counted.stderr.trim().split("\n")[0]}`, "check the repository with `git fsck`");
  return Number(counted.stdout.trim());
}

async function* blobs(repo: Repository, options: HistoryOptions): AsyncGenerator<HistoryBlob> {
  const range = revisions(repo, options);
  // The number of commits (for progress) is counted while the log starts: a second walk, in parallel.
  const counting = gitAsync(repo, ["rev-list", "--count", ...range, ...pathspec(options)]);
  const log = spawn(
    "git",
    [
      `--git-dir=${repo.gitdir}`,
      ...NEUTRAL_CONFIG,
      ...BOUNDED_CACHE,
      "log",
      ...range,
      "--date-order",
      "--reverse",
      "--format=%H",
      "--raw",
      "-z",
      "--no-abbrev",
      "--no-renames",
      "--diff-merges=first-parent",
      "--root",
      ...pathspec(options),
    ],
    { cwd: repo.dir, stdio: "pipe" },
  );
  log.stdin.end();
  let stderr = "";
  log.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => log.once("close", resolve));
  const reader = new BlobReader(repo, options.maxBytes);
  const seen = new BlobIdSet();
  const inFlight: Array<{ change: Change; blob: Promise<{ size: number; content: Uint8Array | undefined }> }> = [];
  let done = 0;
  const next = async (): Promise<HistoryBlob> => {
    const { change, blob } = inFlight.shift()!;
    return { ...change, ...(await blob) };
  };
  let total = 0;
  const parser = new RawLogParser(() => options.onProgress?.(++done, total));
  // Blobs new to the scan, not yet asked of cat-file: plain records, so a log chunk naming hundreds of blobs does
  // not put hundreds of reads (promises, then contents) in memory at once.
  let queued: Change[] = [];
  const queue = (found: Change[]): void => {
    queued = queued.concat(found.filter((change) => options.filter.accept(change.path) && seen.add(change.oid)));
  };
  const request = (): void => {
    // Refilled once half the window is read: requests go out by the dozen, not one write per blob.
    if (inFlight.length > WINDOW / 2) return;
    const take = queued.splice(0, WINDOW - inFlight.length);
    for (const change of take) inFlight.push({ change, blob: reader.read(change.oid) });
    reader.flush();
  };
  try {
    // The log is read no faster than blobs are scanned: at most WINDOW blobs are asked of cat-file at a time.
    // (Reading starts at once: Node drops the output of a child that exits before anyone reads it.)
    for await (const chunk of log.stdout as AsyncIterable<Buffer>) {
      if (total === 0) total = await commitCount(repo, counting);
      queue(parser.push(chunk));
      while (queued.length > 0) {
        request();
        yield await next();
      }
    }
    queue(parser.push());
    while (queued.length > 0 || inFlight.length > 0) {
      request();
      yield await next();
    }
    if ((await exited) !== 0) {
      throw new GitStoreError(`git log failed in ${repo.dir}: ${stderr.trim().split("\n")[0] ?? ""}`, "check the repository with `git fsck`");
    }
  } finally {
    for (const pending of inFlight) pending.blob.catch(() => undefined);
    reader.close();
    if (log.exitCode === null) log.kill();
  }
}

export const gitEngine: HistoryEngine = {
  name: "git",
  blobs,
  existsInCommit: async (repo, commit, filepath) => git(repo, ["cat-file", "-e", `${commit}:${filepath}`]).status === 0,
};
