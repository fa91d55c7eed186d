// Reading what the commands are given: files, directories of files and stdin, each bounded (bounded-read.ts) and
// decoded as strict UTF-8. Every failure is an InputError naming the path; file contents never appear in a message.
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../errors.js";
import { decodeUtf8, MANIFEST_BOUND, readFileBounded, readFileOrPipeBounded, readStdinBounded, unreadable, type ReadBound } from "./bounded-read.js";

/** One input's text and the name it goes by in messages (its path, or "stdin"). */
export interface InputText {
  text: string;
  source: string;
}

/** Files a directory argument stands for: its manifests, not its subdirectories (as `kubectl apply -f DIR`). */
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

const TEXT_HINT = "save it as UTF-8 text; binary values go under data (base64) or --from-file";

/**
 * The texts of `paths` in order: `-` (or no path at all) is stdin, a directory is each of its .yaml/.yml/.json
 * files sorted by name, anything else is read as a file, or as a pipe when it is one (`<(command)`).
 */
export async function readInputs(paths: readonly string[]): Promise<InputText[]> {
  const inputs: InputText[] = [];
  for (const entry of paths.length === 0 ? ["-"] : paths) {
    if (entry === "-") {
      inputs.push({ text: await readStdin(), source: "stdin" });
      continue;
    }
    if (statOf(entry).isDirectory()) {
      const files = readDirectory(entry).filter((name) => MANIFEST_FILE.test(name)).sort();
      if (files.length === 0) throw new InputError(`${entry} holds no .yaml, .yml or .json files`, "pass the manifest files or a directory of them");
      for (const name of files) inputs.push({ text: readTextFile(path.join(entry, name)), source: path.join(entry, name) });
    } else {
      inputs.push({ text: decodeUtf8(await readFileOrPipeBounded(entry, "file", MANIFEST_BOUND), `file ${entry}`, TEXT_HINT), source: entry });
    }
  }
  return inputs;
}

/** A file's text (strict UTF-8, at most `bound`), or an InputError saying why it cannot be read. */
export function readTextFile(file: string, what = "file", bound: ReadBound = MANIFEST_BOUND): string {
  return decodeUtf8(readBinaryFile(file, what, bound), `${what} ${file}`, TEXT_HINT);
}

/** A file read for the objects it holds: its text, and what `entriesOf` found in it. */
export interface FileWithEntries<E> {
  /** As the user gave it (or from the repository root with --all), for messages and tables. */
  path: string;
  absolute: string;
  text: string;
  entries: E[];
}

/**
 * The files given on the command line with their entries (e.g. the SealedSecrets in each); a file with none is an
 * InputError naming it, `kind` and what to pass instead (`hint`).
 */
export function readFilesWithEntries<E>(files: readonly string[], what: string, entriesOf: (text: string, file: string) => E[], kind: string, hint: string): FileWithEntries<E>[] {
  return files.map((file) => {
    const text = readTextFile(file, what);
    const entries = entriesOf(text, file);
    if (entries.length === 0) throw new InputError(`${file} holds no ${kind}`, hint);
    return { path: file, absolute: path.resolve(file), text, entries };
  });
}

/** A file's bytes (at most `bound`), or an InputError saying why it cannot be read. */
export function readBinaryFile(file: string, what = "file", bound: ReadBound = MANIFEST_BOUND): Uint8Array {
  return readFileBounded(file, what, bound).bytes;
}

/** All of stdin as text. On a terminal, says so first: otherwise a forgotten FILE looks like a hang. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY === true) process.stderr.write("kubectl-seal: reading manifests from the terminal; end with Ctrl-D\n");
  return decodeUtf8(await readStdinBounded(MANIFEST_BOUND), "stdin", TEXT_HINT);
}

function statOf(file: string): fs.Stats {
  try {
    return fs.statSync(file);
  } catch (error) {
    throw unreadable(file, "file", error);
  }
}

function readDirectory(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => !d.isDirectory()).map((d) => d.name);
  } catch (error) {
    throw unreadable(dir, "directory", error);
  }
}
