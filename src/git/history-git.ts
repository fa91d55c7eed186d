// The history engine on Git's own plumbing: one `git log --raw` lists, commit by commit (oldest first), the blobs
// each commit changed against its first parent (Git compares trees by id, so unchanged subtrees cost nothing), and
// one `git cat-file --batch` streams the contents of the new ones. Two processes for the whole scan, a bounded
// window of blobs in flight, nothing but the current blobs in memory.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { GitStoreError } from "./errors.js";
import type { HistoryBlob, HistoryEngine, HistoryOptions } from "./history.js";
import type { Repository } from "./repo.js";

/** Blobs requested from cat-file before the oldest one is handed on: keeps both pipes busy, memory bounded. */
const WINDOW = 64;

// Settings a user's config could set that would change what `git log` prints.
const NEUTRAL_CONFIG = ["-c", "log.showSignature=false", "-c", "log.follow=false", "-c", "core.quotePath=false"];

function git(repo: Repository, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("git", [`--git-dir=${repo.gitdir}`, ...NEUTRAL_CONFIG, ...args], {
    cwd: repo.dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 20,
  });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
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
    this.child = spawn("git", [`--git-dir=${repo.gitdir}`, "cat-file", "--batch"], { cwd: repo.dir, stdio: "pipe" });
    this.child.stdout.on("data", (chunk: Buffer) => this.take(chunk));
    this.child.on("error", (error) => this.fail(error));
    this.child.on("exit", (code) => this.fail(new Error(`git cat-file exited with ${code}`)));
    this.child.stdin.on("error", (error) => this.fail(error));
  }

  private requests: string[] = [];

  /** Asks for a blob; the request is sent with the others of the same turn (one write, not one per blob). */
  read(oid: string): Promise<{ size: number; content: Uint8Array | undefined }> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.requests.length === 0) setImmediate(() => this.flush());
    this.requests.push(oid);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private flush(): void {
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

interface Change {
  path: string;
  oid: string;
  commit: string;
}

/** Parses `git log --format=%H --raw -z` output as it streams: commit ids, then `:modes oids status\0path\0` entries. */
async function* changes(log: ChildProcessWithoutNullStreams, onCommit: () => void): AsyncGenerator<Change> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let commit = "";
  let entry: { oid: string; keep: boolean } | undefined;
  const tokens = function* (text: string): Generator<string> {
    const parts = (carry + text).split("\0");
    carry = parts.pop() ?? "";
    yield* parts;
  };
  const handle = function* (token: string): Generator<Change> {
    if (entry) {
      if (entry.keep) yield { path: token, oid: entry.oid, commit };
      entry = undefined;
      return;
    }
    const text = token.startsWith("\n") ? token.slice(1) : token;
    if (text === "") return;
    if (text.startsWith(":")) {
      // ":100644 100644 <old oid> <new oid> M": keep added or changed regular files, not symlinks or submodules.
      const [, mode, , oid, status] = text.slice(1).split(" ");
      entry = { oid: oid ?? "", keep: (mode === "100644" || mode === "100755") && status !== "D" };
      return;
    }
    if (commit !== "") onCommit();
    commit = text.trim();
  };
  for await (const chunk of log.stdout as AsyncIterable<Buffer>) {
    for (const token of tokens(decoder.write(chunk))) yield* handle(token);
  }
  for (const token of tokens(decoder.end())) yield* handle(token);
  if (carry !== "") yield* handle(carry);
  if (commit !== "") onCommit();
}

async function* blobs(repo: Repository, options: HistoryOptions): AsyncGenerator<HistoryBlob> {
  const range = revisions(repo, options);
  const counted = git(repo, ["rev-list", "--count", ...range, ...pathspec(options)]);
  if (counted.status !== 0) throw new GitStoreError(`git rev-list failed in ${repo.dir}: ${counted.stderr.trim().split("\n")[0]}`, "check the repository with `git fsck`");
  const total = Number(counted.stdout.trim());
  const log = spawn(
    "git",
    [
      `--git-dir=${repo.gitdir}`,
      ...NEUTRAL_CONFIG,
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
  const seen = new Set<string>();
  const inFlight: Array<{ change: Change; blob: Promise<{ size: number; content: Uint8Array | undefined }> }> = [];
  let done = 0;
  const next = async (): Promise<HistoryBlob> => {
    const { change, blob } = inFlight.shift()!;
    return { ...change, ...(await blob) };
  };
  try {
    for await (const change of changes(log, () => options.onProgress?.(++done, total))) {
      if (seen.has(change.oid) || !options.filter.accept(change.path)) continue;
      seen.add(change.oid);
      inFlight.push({ change, blob: reader.read(change.oid) });
      if (inFlight.length >= WINDOW) yield await next();
    }
    while (inFlight.length > 0) yield await next();
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
