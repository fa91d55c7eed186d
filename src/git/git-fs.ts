// The file system isomorphic-git is given: node:fs, except that every file it reads is bounded (GIT_FILE_BOUND)
// and must be a regular file, checked on the opened descriptor before a byte is read. A `.git/config` or
// `.git/HEAD` that is a FIFO would otherwise hang the command, and /dev/zero behind a ref would fill memory; now
// each is one error naming the file. Missing files and directories fail with their usual codes (ENOENT, EISDIR),
// which isomorphic-git expects when it probes candidate paths. readRepoText is the same bound for the files
// kubectl-seal reads itself (the pin file, saved bundles, a `.git` file).
import * as fs from "node:fs";
import type { FsClient } from "isomorphic-git";
import { decodeUtf8, GIT_FILE_BOUND, notRegular, readFileBounded, readRegular, REPO_FILE_BOUND, type ReadBound } from "../cli/bounded-read.js";

/** Bytes of `file` (or its text when `options` names an encoding), bounded; rejects instead of throwing. */
export async function readGitFile(file: string, options?: unknown, bound: ReadBound = GIT_FILE_BOUND): Promise<Uint8Array | string> {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK); // ENOENT and the like as they are
  try {
    const stats = fs.fstatSync(fd);
    if (stats.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: "EISDIR" });
    if (!stats.isFile()) throw notRegular(file, "Git file", stats, "check the repository: Git keeps only regular files there");
    const bytes = readRegular(fd, file, "Git file", bound, stats.size);
    const encoding = typeof options === "string" ? options : (options as { encoding?: unknown } | undefined)?.encoding;
    return typeof encoding === "string" ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding as BufferEncoding) : bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/** A repository file's text: a regular file, at most `bound`, strict UTF-8; else one InputError naming it. */
export function readRepoText(file: string, what: string, bound: ReadBound = REPO_FILE_BOUND): string {
  return decodeUtf8(readFileBounded(file, what, bound).bytes, `${what} ${file}`, "save it as UTF-8 text");
}

/** node:fs for isomorphic-git, with readFile bounded. */
export const gitFs: FsClient = { promises: { ...fs.promises, readFile: readGitFile } };
