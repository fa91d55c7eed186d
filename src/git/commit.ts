// Committing exactly the files kubectl-seal wrote, in one commit, without sweeping in anything else the user
// staged: the commit's tree is HEAD's tree with only these files replaced (like `git commit --only FILE...`),
// and afterwards only these files' index entries change, so the user's other staged changes stay staged.
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import type { TreeEntry } from "isomorphic-git";
import { commitIdentities } from "./author.js";
import { GitStoreError } from "./errors.js";
import { findRepository, headCommit, toRepoPath, type Repository } from "./repo.js";
import { gitFs } from "./git-fs.js";
import { readFileBounded, REPO_FILE_BOUND } from "../cli/bounded-read.js";

export interface CommitResult {
  /** Oid of the new commit; HEAD's when the files were already committed as they are (`created` false). */
  commit: string;
  /** False when nothing changed, so no commit was made. */
  created: boolean;
  /** The committed files, as paths from the repository root. */
  paths: string[];
  /** Root of the repository the commit was made in. */
  repository: string;
}

/**
 * Commits `files` (paths absolute or relative to the current directory, already written to disk) in one new commit
 * on the current branch of the repository containing `repoDir`, with `message` and the author from git config.
 */
export async function commitFiles(repoDir: string, files: string[], message: string): Promise<CommitResult> {
  if (files.length === 0) throw new GitStoreError("nothing to commit", "give at least one file");
  const repo = await findRepository(repoDir);
  refuseWhileBusy(repo);
  const paths = [...new Set(files.map((file) => toRepoPath(repo, file)))];
  const { author, committer } = await commitIdentities(repo);

  const blobs = new Map<string, { oid: string; mode: string }>();
  for (const filepath of paths) {
    const absolute = path.join(repo.dir, filepath);
    let stats: fs.Stats;
    try {
      stats = fs.lstatSync(absolute);
    } catch (error) {
      throw new GitStoreError(`${filepath} does not exist`, "write the file before committing it", { cause: error });
    }
    if (!stats.isFile()) throw new GitStoreError(`${filepath} is not a regular file`, "commit regular files only");
    const oid = await git.writeBlob({ fs: gitFs, gitdir: repo.gitdir, blob: readFileBounded(absolute, "file to commit", REPO_FILE_BOUND).bytes });
    blobs.set(filepath, { oid, mode: stats.mode & 0o111 ? "100755" : "100644" });
  }

  const parent = await headCommit(repo);
  const baseTree = parent
    ? (await git.readCommit({ fs: gitFs, gitdir: repo.gitdir, oid: parent, cache: repo.cache })).commit.tree
    : undefined;
  const tree = await treeWith(repo, baseTree, blobs);
  if (parent && tree === baseTree) return { commit: parent, created: false, paths, repository: repo.dir };
  const now = Math.floor(Date.now() / 1000);
  const commit = await git.commit({
    fs: gitFs,
    gitdir: repo.gitdir,
    message: message.endsWith("\n") ? message : `${message}\n`,
    author: { ...author, timestamp: now },
    committer: { ...committer, timestamp: now },
    tree,
    parent: parent ? [parent] : [],
    cache: repo.cache,
  });

  // Only these paths' index entries move to the committed content; every other entry is left as the user had it.
  for (const filepath of paths) {
    await git.updateIndex({ fs: gitFs, dir: repo.dir, gitdir: repo.gitdir, filepath, add: true, cache: repo.cache });
  }
  return { commit, created: true, paths, repository: repo.dir };
}

// A partial commit in the middle of a merge or rebase would silently drop the other side; a held index.lock means
// another git process is writing the index that is updated here.
const BUSY_MARKERS: Array<[string, string]> = [
  ["index.lock", "another git process is running (.git/index.lock exists); wait for it, or remove a stale lock"],
  ["MERGE_HEAD", "a merge is in progress; finish it with `git commit` or abort it with `git merge --abort`"],
  ["rebase-merge", "a rebase is in progress; finish it with `git rebase --continue` or abort it"],
  ["rebase-apply", "a rebase or am is in progress; finish or abort it"],
  ["CHERRY_PICK_HEAD", "a cherry-pick is in progress; finish it or run `git cherry-pick --abort`"],
];
function refuseWhileBusy(repo: Repository): void {
  for (const [marker, hint] of BUSY_MARKERS) {
    if (fs.existsSync(path.join(repo.gitdir, marker))) {
      throw new GitStoreError(`cannot commit in ${repo.dir} now`, `${hint}, then run the command again`);
    }
  }
}

/** Writes the tree `base` (or an empty one) with `changes` (path from this tree -> blob) applied; returns its oid. */
async function treeWith(
  repo: Repository,
  base: string | undefined,
  changes: Map<string, { oid: string; mode: string }>,
): Promise<string> {
  const entries = new Map<string, TreeEntry>();
  if (base) {
    const { tree } = await git.readTree({ fs: gitFs, gitdir: repo.gitdir, oid: base, cache: repo.cache });
    for (const entry of tree) entries.set(entry.path, entry);
  }
  const nested = new Map<string, Map<string, { oid: string; mode: string }>>();
  for (const [filepath, blob] of changes) {
    const slash = filepath.indexOf("/");
    if (slash === -1) {
      const existing = entries.get(filepath);
      if (existing?.type === "tree") {
        throw new GitStoreError(`${filepath} is a directory in HEAD`, "choose another output file name");
      }
      entries.set(filepath, { path: filepath, type: "blob", oid: blob.oid, mode: blob.mode });
    } else {
      const head = filepath.slice(0, slash);
      const group = nested.get(head) ?? new Map<string, { oid: string; mode: string }>();
      group.set(filepath.slice(slash + 1), blob);
      nested.set(head, group);
    }
  }
  for (const [name, group] of nested) {
    const existing = entries.get(name);
    const subtree = existing?.type === "tree" ? existing.oid : undefined;
    const oid = await treeWith(repo, subtree, group);
    entries.set(name, { path: name, type: "tree", oid, mode: "040000" });
  }
  return git.writeTree({ fs: gitFs, gitdir: repo.gitdir, tree: [...entries.values()] });
}
