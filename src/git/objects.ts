// Blobs from the Git object store to scan: those staged for commit (the history has history*.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import type { FsClient } from "isomorphic-git";
import { mayLeadUnder, underPrefix, type PathFilter } from "./history.js";
import { headCommit, type Repository } from "./repo.js";
import { gitFs, readGitFile } from "./git-fs.js";

export interface BlobAt {
  path: string;
  oid: string;
}

/**
 * The file system to read the index through. During `git commit -a` or `git commit FILE...`, git runs the
 * pre-commit hook with GIT_INDEX_FILE naming a temporary index that holds what is about to be committed;
 * isomorphic-git only knows $GIT_DIR/index, so that one path is redirected.
 */
function indexFs(repo: Repository): FsClient {
  const alternate = process.env.GIT_INDEX_FILE;
  if (!alternate) return gitFs;
  const own = path.join(repo.gitdir, "index");
  const target = path.resolve(alternate);
  const redirect = (file: string): string => (typeof file === "string" && path.resolve(file) === own ? target : file);
  // Every method must return a promise even for bad arguments: isomorphic-git probes `readFile()` with none to
  // tell a promise file system from a callback one.
  return {
    promises: {
      ...fs.promises,
      readFile: async (file: string, options?: unknown) =>
        readGitFile(redirect(file), options),
      writeFile: async (file: string, data: Uint8Array, options?: unknown) =>
        fs.promises.writeFile(redirect(file), data, options as BufferEncoding),
      stat: async (file: string) => fs.promises.stat(redirect(file)),
      lstat: async (file: string) => fs.promises.lstat(redirect(file)),
    },
  };
}

/** Blobs of the index that differ from HEAD: exactly what the next commit adds or changes. */
export async function stagedBlobs(repo: Repository, filter: PathFilter): Promise<BlobAt[]> {
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

/** A blob's content. */
export async function readBlob(repo: Repository, blob: BlobAt): Promise<Uint8Array> {
  return (await git.readBlob({ fs: gitFs, gitdir: repo.gitdir, oid: blob.oid, cache: repo.cache })).blob;
}

/** Paths in the index. */
export async function indexPaths(repo: Repository): Promise<Set<string>> {
  return new Set(await git.listFiles({ fs: indexFs(repo), gitdir: repo.gitdir, cache: repo.cache }));
}
