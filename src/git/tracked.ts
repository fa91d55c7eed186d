// Whether Git would keep a file: inside a work tree, and tracked already or not ignored (so `git add -A` takes it).
// recover asks before writing plaintext, so that a recovered Secret does not end up in a commit by accident.
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import { gitFs, readRepoText } from "./git-fs.js";

/** The work tree root when Git would track `file`; undefined outside any work tree or when `file` is ignored. */
export async function workTreeTracking(file: string): Promise<string | undefined> {
  let dir: string;
  try {
    dir = await git.findRoot({ fs: gitFs, filepath: path.dirname(path.resolve(file)) });
  } catch {
    return undefined; // not inside a work tree
  }
  const filepath = path.relative(dir, path.resolve(file)).split(path.sep).join("/");
  const dotGit = path.join(dir, ".git");
  if (fs.statSync(dotGit).isDirectory()) {
    // "ignored" only for a file that is ignored and not already tracked (HEAD or index): exactly what Git skips.
    const status = await git.status({ fs: gitFs, dir, gitdir: dotGit, filepath });
    return status === "ignored" ? undefined : dir;
  }
  // A linked worktree or submodule (.git is a file naming the git directory): its ignore rules can be read, its
  // index not always by isomorphic-git, so an ignored path is taken as untracked.
  const gitdir = /^gitdir:\s*(.+)$/m.exec(readRepoText(dotGit, "Git file"))?.[1]?.trim();
  if (gitdir === undefined) return dir;
  const ignored = await git.isIgnored({ fs: gitFs, dir, gitdir: path.resolve(dir, gitdir), filepath });
  return ignored ? undefined : dir;
}
