// `kubectl seal scan`: plaintext Secrets in the working tree, the index (--staged) or the whole history.
import * as fs from "node:fs";
import * as path from "node:path";
import { MAX_MANIFEST_BYTES, mayHoldManifests, mentionsSecrets, mentionsSecretsBytes } from "./manifest-files.js";
import { GitStoreError } from "./errors.js";
import { historyEngine, type HistoryEngine, type HistoryRange } from "./history.js";
import type { PlaintextFinding } from "./plaintext.js";
import { findRepository, toRepoPath, type Repository } from "./repo.js";

export type ScanSource = "worktree" | "index" | "history";

export interface ScanOptions {
  /** Directory or file to scan; the current directory by default. */
  target?: string;
  source?: ScanSource;
  /** Called as work advances: commits done of a known total (history), or files read so far (working tree). */
  onProgress?: (done: number, total?: number) => void;
  /** Report Secrets whose values are all empty or placeholders too. */
  strict?: boolean;
  /** History only: which commits (default: every commit of every ref). */
  range?: HistoryRange;
  /** History only: force an engine (tests); by default Git's plumbing when `git` is on PATH. */
  engine?: HistoryEngine["name"];
}

export interface ScanReport {
  source: ScanSource;
  /** Root the finding paths are relative to: the repository, or the scanned directory outside one. */
  root: string;
  /** Files (or blobs) whose text was looked at after the name filter. */
  filesScanned: number;
  /** History only: commits walked. */
  commitsScanned?: number;
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
 * isomorphic-git (behind worktree.ts and objects.ts) is loaded only when needed: a history scan on Git's
 * plumbing starts without it.
 */
function referenceCheck(source: ScanSource, repo: Repository | undefined, root: string, history?: HistoryEngine): ReferenceCheck {
  let index: Promise<Set<string>> | undefined;
  return async (from, reference, commit) => {
    const filepath = path.posix.normalize(path.posix.join(path.posix.dirname(from), reference));
    if (filepath.startsWith("../") || path.posix.isAbsolute(filepath)) return false;
    if (source === "worktree" || !repo) {
      const { ignoreChecker } = await import("./worktree.js");
      return fs.existsSync(path.join(root, filepath)) && !(await ignoreChecker(repo)(filepath));
    }
    if (source === "index") return (await (index ??= import("./objects.js").then((o) => o.indexPaths(repo)))).has(filepath);
    return commit !== undefined && history !== undefined && history.existsInCommit(repo, commit, filepath);
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
  const history = source === "history" ? await historyEngine(options.engine) : undefined;
  const inSource = referenceCheck(source, repo, report.root, history);
  const examine = async (filepath: string, text: string, commit?: string): Promise<void> => {
    // The parser is loaded for the first file that needs it: a clean history never does.
    const { findPlaintext } = await import("./plaintext.js");
    const { findings, unparsed } = findPlaintext(filepath, text, { strict: options.strict === true });
    for (const found of findings) {
      const finding = commit ? { ...found, commit } : found;
      const inGit = await Promise.all((finding.references ?? []).map((ref) => inSource(filepath, ref, commit)));
      if (finding.references && !inGit.some(Boolean)) report.referencesOutsideGit.push(finding);
      else report.findings.push(finding);
    }
    if (unparsed > 0) report.unparsed.push(commit ? `${commit.slice(0, 12)}:${filepath}` : filepath);
  };

  if (source === "worktree") {
    const { walkWorktree } = await import("./worktree.js");
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
  const filter = { under: target === repo.dir ? "" : toRepoPath(repo, target), accept: mayHoldManifests };
  const scanBlob = async (blob: { path: string; commit?: string; size: number; content: Uint8Array | undefined }): Promise<void> => {
    if (blob.content === undefined || blob.size > MAX_MANIFEST_BYTES) {
      report.tooLarge.push(blob.commit ? `${blob.commit.slice(0, 12)}:${blob.path}` : blob.path);
      return;
    }
    report.filesScanned++;
    // Most blobs never mention a Secret: test the bytes before decoding or parsing anything.
    if (mentionsSecretsBytes(blob.content)) await examine(blob.path, decoder.decode(blob.content), blob.commit);
  };

  if (history) {
    report.commitsScanned = 0;
    const blobs = history.blobs(repo, {
      ...options.range,
      filter,
      maxBytes: MAX_MANIFEST_BYTES,
      onProgress: (done, total) => {
        report.commitsScanned = done;
        options.onProgress?.(done, total);
      },
    });
    for await (const blob of blobs) await scanBlob(blob);
    return report;
  }
  const { readBlob, stagedBlobs } = await import("./objects.js");
  for (const blob of await stagedBlobs(repo, filter)) {
    const content = await readBlob(repo, blob);
    await scanBlob({ ...blob, size: content.byteLength, content });
  }
  return report;
}
