// Blobs from the Git object store to scan: those staged for commit, or every blob in the history.
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import type { FsClient } from "isomorphic-git";
import { headCommit, type Repository } from "./repo.js";

export interface BlobAt {
  path: string;
  oid: string;
  /** History only: the commit the blob was first met in (commits are visited oldest first). */
  commit?: string;
}

export interface BlobFilter {
  /** Only paths from the repository root under this prefix ("" for all). */
  under: string;
  accept: (filepath: string) => boolean;
}

function underPrefix(filepath: string, prefix: string): boolean {
  return prefix === "" || filepath === prefix || filepath.startsWith(`${prefix}/`);
}

/** True while `dir` may still contain paths under `prefix` (it is inside the prefix, or an ancestor of it). */
function mayLeadUnder(dir: string, prefix: string): boolean {
  return underPrefix(dir, prefix) || prefix.startsWith(`${dir}/`);
}

/**
 * The file system to read the index through. During `git commit -a` or `git commit FILE...`, git runs the
 * pre-commit hook with GIT_INDEX_FILE naming a temporary index that holds what is about to be committed;
 * isomorphic-git only knows $GIT_DIR/index, so that one path is redirected.
 */
function indexFs(repo: Repository): FsClient {
  const alternate = process.env.GIT_INDEX_FILE;
  if (!alternate) return fs;
  const own = path.join(repo.gitdir, "index");
  const target = path.resolve(alternate);
  const redirect = (file: string): string => (typeof file === "string" && path.resolve(file) === own ? target : file);
  // Every method must return a promise even for bad arguments: isomorphic-git probes `readFile()` with none to
  // tell a promise file system from a callback one.
  return {
    promises: {
      ...fs.promises,
      readFile: async (file: string, options?: unknown) =>
        fs.promises.readFile(redirect(file), options as BufferEncoding),
      writeFile: async (file: string, data: Uint8Array, options?: unknown) =>
        fs.promises.writeFile(redirect(file), data, options as BufferEncoding),
      stat: async (file: string) => fs.promises.stat(redirect(file)),
      lstat: async (file: string) => fs.promises.lstat(redirect(file)),
    },
  };
}

/** Blobs of the index that differ from HEAD: exactly what the next commit adds or changes. */
export async function stagedBlobs(repo: Repository, filter: BlobFilter): Promise<BlobAt[]> {
  const head = await headCommit(repo);
  const blobs: BlobAt[] = [];
  const trees = head ? [git.TREE({ ref: head }), git.STAGE()] : [git.STAGE()];
  await git.walk({
    fs: indexFs(repo),
    dir: repo.dir,
    gitdir: repo.gitdir,
    cache: repo.cache,
    trees,
    map: async (filepath, entries) => {
      const staged = head ? entries[1] : entries[0];
      const committed = head ? entries[0] : null;
      if (filepath === ".") return true;
      if (!staged) return null;
      const type = await staged.type();
      if (type === "tree") return mayLeadUnder(filepath, filter.under) ? true : null;
      if (type !== "blob" || !underPrefix(filepath, filter.under) || !filter.accept(filepath)) return null;
      const oid = await staged.oid();
      if (committed && (await committed.oid()) === oid) return null;
      blobs.push({ path: filepath, oid });
      return null;
    },
  });
  return blobs.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Every commit reachable from any ref (and HEAD), oldest first by committer time. */
export async function allCommits(repo: Repository): Promise<Array<{ oid: string; tree: string }>> {
  const tips = new Set<string>();
  const head = await headCommit(repo);
  if (head) tips.add(head);
  const refs = await git.listRefs({ fs, gitdir: repo.gitdir, filepath: "refs" });
  for (const ref of refs) {
    let oid = await git.resolveRef({ fs, gitdir: repo.gitdir, ref: `refs/${ref}` });
    for (let depth = 0; depth < 10; depth++) {
      const { type } = await git.readObject({ fs, gitdir: repo.gitdir, oid, cache: repo.cache, format: "content" });
      if (type !== "tag") {
        if (type === "commit") tips.add(oid);
        break;
      }
      oid = (await git.readTag({ fs, gitdir: repo.gitdir, oid, cache: repo.cache })).tag.object; // follow the tag
    }
  }
  const seen = new Map<string, { oid: string; tree: string; time: number }>();
  const pending = [...tips];
  while (pending.length > 0) {
    const oid = pending.pop()!;
    if (seen.has(oid)) continue;
    const { commit } = await git.readCommit({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
    seen.set(oid, { oid, tree: commit.tree, time: commit.committer.timestamp });
    pending.push(...commit.parent);
  }
  return [...seen.values()].sort((a, b) => a.time - b.time).map(({ oid, tree }) => ({ oid, tree }));
}

/**
 * Every blob in every commit, each oid once, with the first commit and path it was met at. A tree already walked
 * holds only blobs already met, so it is skipped whole: this keeps a history walk close to linear in new objects.
 */
export async function* historyBlobs(
  repo: Repository,
  filter: BlobFilter,
  onProgress?: (commitsDone: number, commitsTotal: number) => void,
): AsyncGenerator<BlobAt> {
  const commits = await allCommits(repo);
  const seenTrees = new Set<string>();
  const seenBlobs = new Set<string>();
  let done = 0;
  for (const commit of commits) {
    const pending: Array<{ oid: string; dir: string }> = [{ oid: commit.tree, dir: "" }];
    while (pending.length > 0) {
      const { oid, dir } = pending.pop()!;
      // Only a tree walked whole may be skipped later; one walked partly (an ancestor of the prefix) may not.
      const whole = underPrefix(dir, filter.under);
      if (whole) {
        if (seenTrees.has(oid)) continue;
        seenTrees.add(oid);
      }
      const { tree } = await git.readTree({ fs, gitdir: repo.gitdir, oid, cache: repo.cache });
      for (const entry of tree) {
        const filepath = dir === "" ? entry.path : `${dir}/${entry.path}`;
        if (entry.type === "tree") {
          if (mayLeadUnder(filepath, filter.under)) pending.push({ oid: entry.oid, dir: filepath });
        } else if (entry.type === "blob" && entry.mode !== "120000" && !seenBlobs.has(entry.oid)) {
          if (!underPrefix(filepath, filter.under) || !filter.accept(filepath)) continue;
          seenBlobs.add(entry.oid);
          yield { path: filepath, oid: entry.oid, commit: commit.oid };
        }
      }
    }
    onProgress?.(++done, commits.length);
  }
}

/** A blob's content. */
export async function readBlobAt(repo: Repository, blob: BlobAt): Promise<Uint8Array> {
  const { blob: content } = await git.readBlob({ fs, gitdir: repo.gitdir, oid: blob.oid, cache: repo.cache });
  return content;
}

/** Paths in the index. */
export async function indexPaths(repo: Repository): Promise<Set<string>> {
  return new Set(await git.listFiles({ fs: indexFs(repo), gitdir: repo.gitdir, cache: repo.cache }));
}

/** Whether `filepath` is a file in `commit`'s tree. */
export async function existsInCommit(repo: Repository, commit: string, filepath: string): Promise<boolean> {
  try {
    await git.readBlob({ fs, gitdir: repo.gitdir, oid: commit, filepath, cache: repo.cache });
    return true;
  } catch {
    return false;
  }
}
