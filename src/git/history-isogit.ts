// The history engine without a `git` binary: isomorphic-git reads the object store directly. The same answer as
// history-git.ts: commits oldest first by committer time, each blob reported once, at the first commit holding it.
// Instead of comparing each commit with its parent (Git's diff, which costs isomorphic-git a second read of every
// changed tree), trees are skipped by id once met: equal for a whole history; for a partial one, the blobs of the
// range's parents count as met (a blob deleted and re-added inside the range is then not reported again).
import * as fs from "node:fs";
import git from "isomorphic-git";
import type { FsClient } from "isomorphic-git";
import { GitStoreError } from "./errors.js";
import { mayLeadUnder, underPrefix, type HistoryBlob, type HistoryEngine, type HistoryOptions } from "./history.js";
import { headCommit, type Repository } from "./repo.js";
import { gitFs, readGitFile } from "./git-fs.js";

interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  time: number;
}

/** The commits of every ref and HEAD, annotated tags followed to what they point at. */
async function tips(repo: Repository): Promise<string[]> {
  const found = new Set<string>();
  const head = await headCommit(repo);
  if (head) found.add(head);
  for (const ref of await git.listRefs({ fs: gitFs, gitdir: repo.gitdir, filepath: "refs" })) {
    let oid = await git.resolveRef({ fs: gitFs, gitdir: repo.gitdir, ref: `refs/${ref}` });
    for (let depth = 0; depth < 10; depth++) {
      const { type } = await git.readObject({ fs: gitFs, gitdir: repo.gitdir, oid, cache: repo.cache, format: "content" });
      if (type !== "tag") {
        if (type === "commit") found.add(oid);
        break;
      }
      oid = (await git.readTag({ fs: gitFs, gitdir: repo.gitdir, oid, cache: repo.cache })).tag.object;
    }
  }
  return [...found];
}

/** Every commit reachable from `from`, not crossing `stop`. */
async function reachable(repo: Repository, from: string[], stop: ReadonlySet<string> = new Set()): Promise<Map<string, CommitInfo>> {
  const seen = new Map<string, CommitInfo>();
  const pending = from.filter((oid) => !stop.has(oid));
  while (pending.length > 0) {
    const oid = pending.pop()!;
    if (seen.has(oid)) continue;
    const { commit } = await git.readCommit({ fs: gitFs, gitdir: repo.gitdir, oid, cache: repo.cache });
    seen.set(oid, { oid, tree: commit.tree, parents: commit.parent, time: commit.committer.timestamp });
    for (const parent of commit.parent) if (!stop.has(parent)) pending.push(parent);
  }
  return seen;
}

async function resolveSince(repo: Repository, since: string): Promise<string> {
  const attempts = [
    () => git.resolveRef({ fs: gitFs, gitdir: repo.gitdir, ref: since }),
    () => git.expandOid({ fs: gitFs, gitdir: repo.gitdir, oid: since, cache: repo.cache }),
  ];
  for (const attempt of attempts) {
    try {
      let oid = await attempt();
      const { type, object } = await git.readObject({ fs: gitFs, gitdir: repo.gitdir, oid, cache: repo.cache, format: "parsed" });
      if (type === "tag") oid = (object as { object: string }).object;
      return oid;
    } catch {
      // try the next way of naming it
    }
  }
  throw new GitStoreError(`--since ${since}: no such commit in ${repo.dir}`, "give a commit, branch or tag of this repository");
}

/** The range's commits, oldest first. */
async function rangeCommits(repo: Repository, options: HistoryOptions): Promise<CommitInfo[]> {
  const stop = options.since === undefined ? new Set<string>() : new Set((await reachable(repo, [await resolveSince(repo, options.since)])).keys());
  const commits = parentsFirst(await reachable(repo, await tips(repo), stop));
  return options.maxCount === undefined ? commits : commits.slice(Math.max(0, commits.length - options.maxCount));
}

/** Oldest committer time first, but never a commit before its parents (times tie, clocks lie), as git --date-order. */
function parentsFirst(commits: Map<string, CommitInfo>): CommitInfo[] {
  const order: CommitInfo[] = [];
  const placed = new Set<string>();
  for (const start of [...commits.values()].sort((a, b) => a.time - b.time)) {
    const stack: Array<{ commit: CommitInfo; expanded: boolean }> = [{ commit: start, expanded: false }];
    while (stack.length > 0) {
      const top = stack.pop()!;
      if (placed.has(top.commit.oid)) continue;
      if (top.expanded) {
        placed.add(top.commit.oid);
        order.push(top.commit);
        continue;
      }
      stack.push({ commit: top.commit, expanded: true });
      for (const parent of top.commit.parents) {
        const known = commits.get(parent);
        if (known && !placed.has(parent)) stack.push({ commit: known, expanded: false });
      }
    }
  }
  return order;
}

/**
 * The object store does not change during a scan, but isomorphic-git looks for every object as a loose file first
 * and lists the packs again at each read: answering those from memory halves the time of a scan.
 */
function objectStoreFs(): FsClient {
  const missing = new Set<string>();
  const listings = new Map<string, Promise<string[]>>();
  const absent = (file: string): Error => Object.assign(new Error(`ENOENT: ${file}`), { code: "ENOENT" });
  const remember = async <T>(file: string, load: () => Promise<T>): Promise<T> => {
    if (missing.has(file)) throw absent(file);
    try {
      return await load();
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") missing.add(file);
      throw error;
    }
  };
  return {
    promises: {
      ...fs.promises,
      readFile: (file: string, options?: unknown) => remember(file, () => readGitFile(file, options)),
      stat: (file: string) => remember(file, () => fs.promises.stat(file)),
      lstat: (file: string) => remember(file, () => fs.promises.lstat(file)),
      readdir: (dir: string) => {
        let listing = listings.get(dir);
        if (!listing) listings.set(dir, (listing = fs.promises.readdir(dir)));
        return listing;
      },
    },
  };
}

interface Walk {
  repo: Repository;
  fs: FsClient;
  options: HistoryOptions;
  seenTrees: Set<string>;
  seenBlobs: Set<string>;
}

/**
 * The accepted blobs under `tree` not met before. A tree met before holds only blobs met before, so it is skipped
 * whole: the walk reads each tree and blob once, however many commits share them.
 */
async function* newBlobs(walk: Walk, tree: string): AsyncGenerator<{ path: string; oid: string }> {
  const { under, accept } = walk.options.filter;
  const pending: Array<{ oid: string; dir: string }> = [{ oid: tree, dir: "" }];
  while (pending.length > 0) {
    const { oid, dir } = pending.pop()!;
    // Only a tree walked whole may be skipped later; one walked partly (an ancestor of the prefix) may not.
    if (underPrefix(dir, under)) {
      if (walk.seenTrees.has(oid)) continue;
      walk.seenTrees.add(oid);
    }
    const { tree: entries } = await git.readTree({ fs: walk.fs, gitdir: walk.repo.gitdir, oid, cache: walk.repo.cache });
    for (const entry of entries) {
      const filepath = dir === "" ? entry.path : `${dir}/${entry.path}`;
      if (entry.type === "tree") {
        if (mayLeadUnder(filepath, under)) pending.push({ oid: entry.oid, dir: filepath });
      } else if (entry.type === "blob" && entry.mode !== "120000" && !walk.seenBlobs.has(entry.oid) && underPrefix(filepath, under) && accept(filepath)) {
        walk.seenBlobs.add(entry.oid);
        yield { path: filepath, oid: entry.oid };
      }
    }
  }
}

async function* blobs(repo: Repository, options: HistoryOptions): AsyncGenerator<HistoryBlob> {
  const commits = await rangeCommits(repo, options);
  const walk: Walk = { repo, fs: objectStoreFs(), options, seenTrees: new Set(), seenBlobs: new Set() };
  // A partial range (--since, --max-count) starts from its parents' trees: what they hold is not new.
  const inRange = new Set(commits.map((commit) => commit.oid));
  for (const parent of new Set(commits.flatMap((commit) => commit.parents).filter((oid) => !inRange.has(oid)))) {
    const { commit } = await git.readCommit({ fs: walk.fs, gitdir: repo.gitdir, oid: parent, cache: repo.cache });
    for await (const known of newBlobs(walk, commit.tree)) void known;
  }
  let done = 0;
  for (const commit of commits) {
    for await (const change of newBlobs(walk, commit.tree)) {
      const { blob } = await git.readBlob({ fs: walk.fs, gitdir: repo.gitdir, oid: change.oid, cache: repo.cache });
      yield { ...change, commit: commit.oid, size: blob.byteLength, content: blob.byteLength > options.maxBytes ? undefined : blob };
    }
    options.onProgress?.(++done, commits.length);
  }
}

export const isogitEngine: HistoryEngine = {
  name: "isomorphic-git",
  blobs,
  async existsInCommit(repo, commit, filepath) {
    try {
      await git.readBlob({ fs: gitFs, gitdir: repo.gitdir, oid: commit, filepath, cache: repo.cache });
      return true;
    } catch {
      return false;
    }
  },
};
