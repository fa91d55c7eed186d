// Reading what the commands are given: files, directories of files and stdin. Every failure is an InputError
// naming the path; file contents never appear in a message.
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../errors.js";

/** One input's text and the name it goes by in messages (its path, or "stdin"). */
export interface InputText {
  text: string;
  source: string;
}

/** Files a directory argument stands for: its manifests, not its subdirectories (as `kubectl apply -f DIR`). */
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/**
 * The texts of `paths` in order: `-` (or no path at all) is stdin, a directory is each of its .yaml/.yml/.json
 * files sorted by name, anything else is read as a file.
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
      inputs.push({ text: readTextFile(entry), source: entry });
    }
  }
  return inputs;
}

/** A file's text as UTF-8, or an InputError saying why it cannot be read. */
export function readTextFile(file: string, what = "file"): string {
  return new TextDecoder().decode(readBinaryFile(file, what));
}

/** A file's bytes, or an InputError saying why it cannot be read. */
export function readBinaryFile(file: string, what = "file"): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw unreadable(file, what, error);
  }
}

/** All of stdin as text. On a terminal, says so first: otherwise a forgotten FILE looks like a hang. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY === true) process.stderr.write("kubectl-seal: reading manifests from the terminal; end with Ctrl-D\n");
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  } catch (error) {
    throw unreadable("stdin", "input", error);
  }
  return Buffer.concat(chunks).toString("utf8");
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

function unreadable(file: string, what: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === "ENOENT" ? "does not exist"
    : code === "EACCES" || code === "EPERM" ? "is not readable (permission denied)"
    : code === "EISDIR" ? "is a directory"
    : `cannot be read (${code ?? "unknown error"})`;
  return new InputError(`${what} ${file} ${reason}`, "check the path and its permissions");
}
