// Locating the Git repository kubectl-seal works in, and naming files inside it the way Git does.
import * as fs from "node:fs";
import * as path from "node:path";
import { GitStoreError } from "./errors.js";
import { gitFs } from "./git-fs.js";

export interface Repository {
  /** Absolute path of the working tree root. */
  dir: string;
  /** Absolute path of the .git directory. */
  gitdir: string;
  /** Shared isomorphic-git object cache: reusing it makes pack reads fast across calls. */
  cache: object;
}

/** Walks up from `start` to the first directory holding `.git`, like git itself. */
export async function findRepository(start: string = process.cwd()): Promise<Repository> {
  // As isomorphic-git's findRoot does, without loading isomorphic-git (scan --history on Git's plumbing never needs it).
  let dir = path.resolve(start);
  while (!fs.existsSync(path.join(dir, ".git"))) {
    const parent = path.dirname(dir);
    if (parent !== dir) {
      dir = parent;
      continue;
    }
    throw new GitStoreError(
      `${path.resolve(start)} is not inside a Git repository`,
      "run the command inside a clone, or create one with `git init`",
    );
  }
  const gitdir = path.join(dir, ".git");
  if (!fs.statSync(gitdir).isDirectory()) {
    throw new GitStoreError(
      `${gitdir} is a file (a worktree or submodule link), which isomorphic-git cannot use`,
      "run the command in the main clone of the repository",
    );
  }
  return { dir, gitdir, cache: {} };
}

/** Turns a path (absolute or relative to the current directory) into a slash-separated path from the repository root. */
export function toRepoPath(repo: Repository, file: string): string {
  const relative = path.relative(repo.dir, path.resolve(file));
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
    throw new GitStoreError(`${file} is outside the repository ${repo.dir}`, "write sealed files inside the repository");
  }
  return relative.split(path.sep).join("/");
}

/** The commit HEAD points to, or undefined in a repository without commits yet. */
export async function headCommit(repo: Repository): Promise<string | undefined> {
  const { default: git } = await import("isomorphic-git");
  try {
    return await git.resolveRef({ fs: gitFs, gitdir: repo.gitdir, ref: "HEAD" });
  } catch {
    return undefined;
  }
}
