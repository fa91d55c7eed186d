// `kubectl seal scan`: plaintext Secrets in the working tree, the index (--staged) or the whole history.
import * as fs from "node:fs";
import * as path from "node:path";
import { MAX_MANIFEST_BYTES, mayHoldManifests } from "./documents.js";
import { GitStoreError } from "./errors.js";
import { existsInCommit, historyBlobs, indexPaths, readBlobAt, stagedBlobs, type BlobAt } from "./objects.js";
import { findPlaintext, mentionsSecrets, type PlaintextFinding } from "./plaintext.js";
import { findRepository, toRepoPath, type Repository } from "./repo.js";
import { ignoreChecker, walkWorktree } from "./worktree.js";

export type ScanSource = "worktree" | "index" | "history";

export interface ScanOptions {
  /** Directory or file to scan; the current directory by default. */
  target?: string;
  source?: ScanSource;
  /** Called as work advances: commits done of a known total (history), or files read so far (working tree). */
  onProgress?: (done: number, total?: number) => void;
}

export interface ScanReport {
  source: ScanSource;
  /** Root the finding paths are relative to: the repository, or the scanned directory outside one. */
  root: string;
  /** Files (or blobs) whose text was looked at after the name filter. */
  filesScanned: number;
  findings: PlaintextFinding[];
  /** secretGenerator envs/files whose files are not in the scanned source (ignored, missing): not findings. */
  referencesOutsideGit: PlaintextFinding[];
  /** Files that mention Secret or secretGenerator but hold documents that do not parse (Helm templates...). */
  unparsed: string[];
  /** Files over the size cap, not read. */
  tooLarge: string[];
}

async function repositoryOrNone(start: string): Promise<Repository | undefined> {
  try {
    return await findRepository(start);
  } catch {
    return undefined;
  }
}

const decoder = new TextDecoder("utf-8", { fatal: false });

type ReferenceCheck = (from: string, reference: string, commit?: string) => Promise<boolean>;

/**
 * Whether a file a secretGenerator reads (relative to its kustomization) is in the scanned source: in the working
 * tree and not ignored, in the index, or in the same commit. Kept out of Git, its values are not exposed by it.
 */
function referenceCheck(source: ScanSource, repo: Repository | undefined, root: string): ReferenceCheck {
  let index: Promise<Set<string>> | undefined;
  const ignored = ignoreChecker(repo);
  return async (from, reference, commit) => {
    const filepath = path.posix.normalize(path.posix.join(path.posix.dirname(from), reference));
    if (filepath.startsWith("../") || path.posix.isAbsolute(filepath)) return false;
    if (source === "worktree" || !repo) {
      return fs.existsSync(path.join(root, filepath)) && !(await ignored(filepath));
    }
    if (source === "index") return (await (index ??= indexPaths(repo))).has(filepath);
    return commit !== undefined && existsInCommit(repo, commit, filepath);
  };
}

export async function scanForPlaintext(options: ScanOptions = {}): Promise<ScanReport> {
  const source = options.source ?? "worktree";
  const target = path.resolve(options.target ?? ".");
  if (!fs.existsSync(target)) throw new GitStoreError(`${target} does not exist`, "give an existing file or directory");
  const start = fs.statSync(target).isDirectory() ? target : path.dirname(target);
  const repo = await repositoryOrNone(start);
  const report: ScanReport = {
    source,
    root: repo?.dir ?? start,
    filesScanned: 0,
    findings: [],
    referencesOutsideGit: [],
    unparsed: [],
    tooLarge: [],
  };
  const inSource = referenceCheck(source, repo, report.root);
  const examine = async (filepath: string, text: string, commit?: string): Promise<void> => {
    const { findings, unparsed } = findPlaintext(filepath, text);
    for (const found of findings) {
      const finding = commit ? { ...found, commit } : found;
      const inGit = await Promise.all((finding.references ?? []).map((ref) => inSource(filepath, ref, commit)));
      if (finding.references && !inGit.some(Boolean)) report.referencesOutsideGit.push(finding);
      else report.findings.push(finding);
    }
    if (unparsed > 0) report.unparsed.push(commit ? `${commit.slice(0, 12)}:${filepath}` : filepath);
  };

  if (source === "worktree") {
    const walk = walkWorktree(target, repo, {
      accept: mayHoldManifests,
      wanted: mentionsSecrets,
      onRead: () => {
        report.filesScanned++;
        options.onProgress?.(report.filesScanned);
      },
      onTooLarge: (filepath) => report.tooLarge.push(filepath),
    });
    for await (const file of walk) await examine(file.path, file.text);
    return report;
  }

  if (!repo) {
    throw new GitStoreError(`${target} is not inside a Git repository`, `run --${source === "index" ? "staged" : "history"} in a clone`);
  }
  const under = target === repo.dir ? "" : toRepoPath(repo, target);
  const filter = { under, accept: mayHoldManifests };
  const blobs: AsyncIterable<BlobAt> | BlobAt[] =
    source === "index" ? await stagedBlobs(repo, filter) : historyBlobs(repo, filter, options.onProgress);
  for await (const blob of blobs) {
    const content = await readBlobAt(repo, blob);
    const name = blob.commit ? `${blob.commit.slice(0, 12)}:${blob.path}` : blob.path;
    if (content.byteLength > MAX_MANIFEST_BYTES) report.tooLarge.push(name);
    else {
      report.filesScanned++;
      await examine(blob.path, decoder.decode(content), blob.commit);
    }
  }
  return report;
}
