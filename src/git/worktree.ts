// Walking the working tree the way Git sees it: .gitignore'd paths, .git and node_modules are skipped.
// Both `scan` and `status` (and `reencrypt --all`, through sealed-files.ts) find their files here.
import * as fs from "node:fs";
import * as path from "node:path";
import git from "isomorphic-git";
import type { FsClient } from "isomorphic-git";
import { MAX_MANIFEST_BYTES } from "./documents.js";
import type { Repository } from "./repo.js";
import { readGitFile } from "./git-fs.js";
import { readFileBounded } from "../cli/bounded-read.js";

const NEVER_ENTERED = new Set([".git", "node_modules"]);
const TOO_LARGE = Symbol("too large");
const SCAN_BOUND = { bytes: MAX_MANIFEST_BYTES, name: "the 4 MiB limit for scanned files", hint: "scan it again; it grew while being read" };

/**
 * isIgnored() re-reads every .gitignore on a path at each call; during one walk they do not change, so this file
 * system answers repeated reads (and misses) from memory.
 */
function cachingReader(): FsClient {
  const texts = new Map<string, Promise<Buffer | string>>();
  const stats = new Map<string, Promise<fs.Stats>>();
  const lstats = new Map<string, Promise<fs.Stats>>();
  const remember = <T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
    let value = cache.get(key);
    if (!value) cache.set(key, (value = load()));
    return value;
  };
  return {
    promises: {
      ...fs.promises,
      readFile: (file: string, options?: unknown) =>
        remember(texts, `${file}\0${JSON.stringify(options)}`, () =>
          readGitFile(file, options),
        ),
      stat: (file: string) => remember(stats, file, () => fs.promises.stat(file)),
      lstat: (file: string) => remember(lstats, file, () => fs.promises.lstat(file)),
    },
  };
}

export interface WorktreeFile {
  /** Slash-separated path from the repository root (or from the walked directory outside a repository). */
  path: string;
  absolute: string;
  text: string;
}

export interface WalkOptions {
  /** Only files whose path passes this are read. */
  accept: (filepath: string) => boolean;
  /** Only files whose text passes this are yielded; the ignore rules are checked after it, as they cost more. */
  wanted: (text: string) => boolean;
  /** Called for each file read. */
  onRead?: () => void;
  /** Called for accepted files over MAX_MANIFEST_BYTES, which are not read. */
  onTooLarge?: (filepath: string) => void;
}

/** A check of paths from the repository root against its ignore rules (none outside a repository). */
export function ignoreChecker(repo: Repository | undefined): (filepath: string) => Promise<boolean> {
  if (!repo) return async () => false;
  const cached = cachingReader();
  return (filepath) => git.isIgnored({ fs: cached, dir: repo.dir, gitdir: repo.gitdir, filepath });
}

/**
 * Files under `start` (or `start` itself, ignored or not, when it is a file), directories in sorted order.
 * `repo` gives the ignore rules and the base of `path`.
 */
export async function* walkWorktree(
  start: string,
  repo: Repository | undefined,
  options: WalkOptions,
): AsyncGenerator<WorktreeFile> {
  const base = repo?.dir ?? start;
  const ignored = ignoreChecker(repo);
  // Synchronous reads: for many small files they are several times faster than fs.promises round trips. Bounded
  // (a file that grew past the limit since its stat is one error) and only regular files, checked once opened.
  const read = (absolute: string): string | typeof TOO_LARGE | undefined => {
    if (fs.statSync(absolute).size > MAX_MANIFEST_BYTES) return TOO_LARGE;
    const bytes = readFileBounded(absolute, "file", SCAN_BOUND).bytes;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    options.onRead?.();
    return options.wanted(text) ? text : undefined;
  };
  if (fs.statSync(start).isFile()) {
    const relative = path.relative(base, start).split(path.sep).join("/") || path.basename(start);
    const text = read(start);
    if (text === TOO_LARGE) options.onTooLarge?.(relative);
    else if (text !== undefined) yield { path: relative, absolute: start, text };
    return;
  }
  const pending = [start];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
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
      if (!entry.isFile() || !options.accept(relative)) continue;
      const text = read(absolute);
      if (text === undefined || (await ignored(relative))) continue;
      if (text === TOO_LARGE) options.onTooLarge?.(relative);
      else yield { path: relative, absolute, text };
    }
    pending.push(...subdirs.reverse()); // popped in ascending order
  }
}
