// Whether Git would keep a file: inside a work tree, and tracked already or not ignored (so `git add -A` takes it).
// recover asks before writing plaintext, so that a recovered Secret does not end up in a commit by accident.
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import { GitStoreError } from "./errors.js";
import { findRepository, toRepoPath } from "./repo.js";

/** The work tree root when Git would track `file`; undefined outside any work tree or when `file` is ignored. */
export async function workTreeTracking(file: string): Promise<string | undefined> {
  let repo;
  try {
    repo = await findRepository(path.dirname(path.resolve(file)));
  } catch (error) {
    if (error instanceof GitStoreError) return undefined; // not in a work tree (or one isomorphic-git cannot read)
    throw error;
  }
  const filepath = toRepoPath(repo, file);
  // "ignored" only for a file that is ignored and not already tracked (HEAD or index): exactly what Git skips.
  const status = await git.status({ fs, dir: repo.dir, gitdir: repo.gitdir, filepath, cache: repo.cache });
  return status === "ignored" ? undefined : repo.dir;
}
