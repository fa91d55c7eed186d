// Walking the working tree the way Git sees it: .gitignore'd paths, .git and node_modules are skipped.
// Both `scan` and `status` (and `reencrypt --all`, through sealed-files.ts) find their files here.
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import { MAX_MANIFEST_BYTES } from "./documents.js";
import type { Repository } from "./repo.js";

const NEVER_ENTERED = new Set([".git", "node_modules"]);

export interface WorktreeFile {
  /** Slash-separated path from the repository root (or from the walked directory outside a repository). */
  path: string;
  absolute: string;
}

export interface WalkOptions {
  /** Only files whose path passes this are yielded (checked before any read). */
  accept: (filepath: string) => boolean;
  /** Called for accepted files over MAX_MANIFEST_BYTES, which are not yielded. */
  onTooLarge?: (filepath: string) => void;
}

/** Files under `start`, in a stable (sorted) order. `repo` gives the ignore rules and the base of `path`. */
export async function* walkWorktree(
  start: string,
  repo: Repository | undefined,
  options: WalkOptions,
): AsyncGenerator<WorktreeFile> {
  const base = repo?.dir ?? start;
  const ignored = async (relative: string): Promise<boolean> =>
    repo !== undefined && (await git.isIgnored({ fs, dir: repo.dir, gitdir: repo.gitdir, filepath: relative }));
  const startStats = await fs.promises.stat(start);
  if (startStats.isFile()) {
    const relative = path.relative(base, start).split(path.sep).join("/") || path.basename(start);
    if (startStats.size > MAX_MANIFEST_BYTES) options.onTooLarge?.(relative);
    else yield { path: relative, absolute: start };
    return;
  }
  const pending = [start];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable directories are not ours to report
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const entry of entries) {
      const absolute = path.join(dir, entry.name);
      const relative = path.relative(base, absolute).split(path.sep).join("/");
      if (entry.isDirectory()) {
        if (!NEVER_ENTERED.has(entry.name) && !(await ignored(`${relative}/`))) subdirs.push(absolute);
        continue;
      }
      if (!entry.isFile() || !options.accept(relative) || (await ignored(relative))) continue;
      const { size } = await fs.promises.stat(absolute);
      if (size > MAX_MANIFEST_BYTES) options.onTooLarge?.(relative);
      else yield { path: relative, absolute };
    }
    pending.push(...subdirs.reverse()); // popped in ascending order
  }
}
