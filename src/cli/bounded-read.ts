// The one way input enters the CLI: files and stdin read with a size bound, stopping as soon as the bound is
// passed (a 50 MB value, /dev/zero or /dev/urandom cost at most the bound, never the whole stream). A file is
// opened non-blocking and checked with fstat on that same descriptor before a byte is read: a character or block
// device or a socket is refused. A FIFO or pipe is refused too, except where kubectl takes one (FILE arguments,
// --from-file, --from-env-file, e.g. `--from-file key=<(cmd)`): readFileOrPipeBounded reads it with the same bound,
// and gives up with one error when nothing arrives for PIPE_IDLE_MS (a FIFO nobody writes to). Stdin may be a pipe
// or a device, and gets the same bound. Text is strict UTF-8: a byte that is not UTF-8 is refused, never
// replaced. Every refusal is one InputError naming the file and the limit; contents never appear in a message.
import * as fs from "node:fs";
import { Socket } from "node:net";
import { InputError } from "../errors.js";
import { MAX_SECRET_BYTES } from "../secret.js";

/** How much one input may hold, how the limit is named in messages, and what to do when it is passed. */
export interface ReadBound {
  bytes: number;
  name: string;
  hint: string;
}

const MiB = 1024 * 1024;

/** Manifests (FILE arguments, stdin, --merge-into targets, sealed files, backups): a SealedSecret fits in etcd's 1.5 MiB. */
export const MANIFEST_BOUND: ReadBound = { bytes: 8 * MiB, name: "the 8 MiB input limit", hint: "split the manifests into several files" };
/** A --from-file value or env file: it becomes Secret data, which Kubernetes limits to 1 MiB. */
export const VALUE_BOUND: ReadBound = { bytes: MAX_SECRET_BYTES, name: "Kubernetes' 1 MiB Secret limit", hint: "keep large files out of Secrets" };
/** Identity files and key bundles: a few keys, a few KiB. */
export const KEY_FILE_BOUND: ReadBound = { bytes: MiB, name: "the 1 MiB limit for key files", hint: "pass the identity or bundle file itself" };

/** Files kubectl-seal keeps in a repository (the pin file, saved bundles, files it commits) and `.git` files. */
export const REPO_FILE_BOUND: ReadBound = { bytes: 8 * MiB, name: "the 8 MiB limit for repository files", hint: "check the file: kubectl-seal writes far smaller ones" };
/** Git's own files (objects, packs, the index, config), which isomorphic-git reads whole (src/git/git-fs.ts). */
export const GIT_FILE_BOUND: ReadBound = { bytes: 1024 * MiB, name: "the 1 GiB limit for Git's files", hint: "repack the repository (git gc) or use a smaller clone" };

const CHUNK = 64 * 1024;
/** How long a FIFO or pipe read as a file may stay silent before it is given up (its writer never came or hangs). */
export const PIPE_IDLE_MS = 10_000;

/** A regular file's bytes and its stat (mode, for identity files), read up to `bound`. */
export function readFileBounded(file: string, what: string, bound: ReadBound): { bytes: Uint8Array; stats: fs.Stats } {
  const { fd, stats } = openChecked(file, what);
  return { bytes: readRegularAndClose(fd, stats, file, what, bound), stats };
}

/**
 * A file's bytes up to `bound`, where a FIFO or pipe (`<(cmd)`) is accepted as kubectl accepts it: read with the
 * same bound, and refused once nothing has arrived for `idleMs` (a FIFO without a writer never ends otherwise).
 * Devices and sockets are refused as by readFileBounded.
 */
export async function readFileOrPipeBounded(file: string, what: string, bound: ReadBound, idleMs = PIPE_IDLE_MS): Promise<Uint8Array> {
  const { fd, stats } = openChecked(file, what);
  if (stats.isFIFO()) return readPipe(fd, file, what, bound, idleMs); // the socket owns and closes fd
  return readRegularAndClose(fd, stats, file, what, bound);
}

/** The bytes of the file open at `fd` if it is a regular file (refused otherwise); closes `fd` either way. */
function readRegularAndClose(fd: number, stats: fs.Stats, file: string, what: string, bound: ReadBound): Uint8Array {
  try {
    if (!stats.isFile()) throw notRegular(file, what, stats);
    return readRegular(fd, file, what, bound, stats.size);
  } finally {
    fs.closeSync(fd);
  }
}

function openChecked(file: string, what: string): { fd: number; stats: fs.Stats } {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise block forever; regular files ignore it.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    throw unreadable(file, what, error);
  }
  try {
    return { fd, stats: fs.fstatSync(fd) };
  } catch (error) {
    fs.closeSync(fd);
    throw unreadable(file, what, error);
  }
}

// A pipe through the event loop (net.Socket polls the non-blocking descriptor, as Node's docs advise for FIFOs),
// so a silent writer costs a timer, not a blocked thread.
function readPipe(fd: number, file: string, what: string, bound: ReadBound, idleMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const pipe = new Socket({ fd, readable: true, writable: false });
    const chunks: Buffer[] = [];
    let total = 0;
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: InputError): void => {
      clearTimeout(timer);
      pipe.destroy();
      reject(error);
    };
    const idle = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(silent(file, what, idleMs)), idleMs);
    };
    pipe.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > bound.bytes) return fail(tooLarge(`${what} ${file}`, bound));
      chunks.push(chunk);
      idle();
    });
    pipe.on("end", () => {
      clearTimeout(timer);
      pipe.destroy();
      resolve(new Uint8Array(Buffer.concat(chunks, total)));
    });
    pipe.on("error", (error) => fail(unreadable(file, what, error)));
    idle();
  });
}

/** The bytes of the regular file open at `fd`, up to `bound`: for callers that opened it themselves (git-fs.ts). */
export function readRegular(fd: number, file: string, what: string, bound: ReadBound, statSize = -1): Uint8Array {
  const chunks: Buffer[] = [];
  let total = 0;
  // The first read asks for one byte more than the file's size: a short read of exactly that size is the end, so a
  // small file takes one read. Anything else (a file that grew, /proc files that report size 0) reads on to EOF.
  let size = statSize < 0 ? CHUNK : Math.min(CHUNK, bound.bytes + 1, statSize + 1);
  for (;;) {
    const chunk = Buffer.allocUnsafe(size);
    size = CHUNK;
    let read: number;
    try {
      read = fs.readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      throw unreadable(file, what, error);
    }
    if (read === 0) break;
    total += read;
    if (total > bound.bytes) throw tooLarge(`${what} ${file}`, bound);
    chunks.push(chunk.subarray(0, read));
    if (read < chunk.length && total === statSize) break;
  }
  // A copy into an ArrayBuffer of its own: the chunks may be slices of Node's shared pool.
  return new Uint8Array(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
}

/** All of stdin up to `bound` (a pipe, a file or a device alike); stops reading once the bound is passed. */
export async function readStdinBounded(bound: ReadBound): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  const add = (buffer: Buffer): void => {
    total += buffer.length;
    if (total > bound.bytes) throw tooLarge("stdin", bound);
    chunks.push(buffer);
  };
  try {
    if (!readStdinSync(add)) {
      for await (const chunk of process.stdin) {
        try {
          add(chunk as Buffer);
        } catch (error) {
          process.stdin.destroy();
          throw error;
        }
      }
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw unreadable("stdin", "input", error);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

/**
 * Reads stdin to its end with blocking reads, as files are read: making `process.stdin` loads Node's net and
 * stream machinery for a pipe or terminal, a few ms of `... | kubectl seal`. False, with what was read already
 * passed to `add`, when the rest must come through process.stdin: a stdin another process made non-blocking
 * (EAGAIN), or Windows, whose consoles and pipes Node's stream reads better.
 */
function readStdinSync(add: (chunk: Buffer) => void): boolean {
  if (process.platform === "win32") return false;
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    let read: number;
    try {
      read = fs.readSync(0, chunk, 0, CHUNK, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") return false;
      throw error;
    }
    if (read === 0) return true;
    add(chunk.subarray(0, read));
  }
}

/** `bytes` as UTF-8 text, or an InputError naming the first line that is not UTF-8 (never a U+FFFD in its place). */
export function decodeUtf8(bytes: Uint8Array, source: string, hint: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${source}: line ${firstBadLine(bytes)} is not valid UTF-8`, hint);
  }
}

function firstBadLine(bytes: Uint8Array): number {
  const strict = new TextDecoder("utf-8", { fatal: true });
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    try {
      strict.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
    } catch {
      return line;
    }
    if (end < 0) return line;
    start = end + 1;
  }
}

function tooLarge(what: string, bound: ReadBound): InputError {
  return new InputError(`${what} is larger than ${bound.name} (${bound.bytes} bytes)`, bound.hint);
}

function silent(file: string, what: string, idleMs: number): InputError {
  return new InputError(
    `${what} ${file} is a FIFO (named pipe) and nothing was written to it for ${idleMs / 1000} s`,
    "start the command that writes it (as <(command) does), or copy the data to a regular file first",
  );
}

export function notRegular(file: string, what: string, stats: fs.Stats, hint = "copy the data to a regular file first (manifests can also be piped to stdin with -)"): InputError {
  if (stats.isDirectory()) return new InputError(`${what} ${file} is a directory`, "check the path and its permissions");
  const kind =
    stats.isFIFO() ? "FIFO (named pipe)"
    : stats.isCharacterDevice() ? "character device"
    : stats.isBlockDevice() ? "block device"
    : stats.isSocket() ? "socket"
    : "special file";
  return new InputError(`${what} ${file} is a ${kind}, not a regular file`, hint);
}

export function unreadable(file: string, what: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === "ENOENT" ? "does not exist"
    : code === "EACCES" || code === "EPERM" ? "is not readable (permission denied)"
    : code === "EISDIR" ? "is a directory"
    : `cannot be read (${code ?? "unknown error"})`;
  return new InputError(`${what} ${file} ${reason}`, "check the path and its permissions");
}
