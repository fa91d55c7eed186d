// The sealed files verify and reencrypt work on: the paths given on the command line, or with --all every sealed
// file of the repository (src/git/sealed-files.ts, loaded only then). Each keeps its text, so reencrypt can
// rewrite it in place.
import { InputError } from "../errors.js";
import { API_VERSION, type SealedSecret } from "../types.js";
import { readFilesWithEntries, type FileWithEntries } from "../cli/inputs.js";
import { sealedEntriesOf, type SealedEntry } from "./sealed-file.js";

export type SealedFileText = FileWithEntries<SealedEntry>;

/** The SealedSecrets of `files`; a file that holds none is an InputError naming it. */
export function readSealedFiles(files: readonly string[]): SealedFileText[] {
  return readFilesWithEntries(files, "sealed file", sealedEntriesOf, `${API_VERSION} SealedSecret`, "pass files written by kubectl seal, or use --all");
}

/** Every sealed file of the repository holding `cwd` (or under `cwd` outside a repository). */
export async function readAllSealedFiles(cwd: string, onFile?: (count: number) => void): Promise<SealedFileText[]> {
  const { findRepository } = await import("../git/repo.js");
  const { findSealedFiles } = await import("../git/sealed-files.js");
  const root = await findRepository(cwd).then((repo) => repo.dir).catch(() => cwd);
  const out: SealedFileText[] = [];
  for await (const file of findSealedFiles(root)) {
    out.push({ path: file.path, absolute: file.absolute, text: file.text, entries: sealedEntriesOf(file.text, file.path) });
    onFile?.(out.length);
  }
  return out;
}

/**
 * The files a `FILE... | --all` command works on (verify, reencrypt): exactly one of the two must be given.
 * `verb` says what the command does with them, for the message when both are.
 */
export async function selectSealedFiles(paths: readonly string[], all: boolean, verb: string, onFile?: (count: number) => void): Promise<SealedFileText[]> {
  return selectFiles(paths, all, verb, readSealedFiles, () => readAllSealedFiles(process.cwd(), onFile));
}

/** The `FILE... | --all` rule for any kind of file: the named ones, or all of them, never both or neither. */
export async function selectFiles<T>(paths: readonly string[], all: boolean, verb: string, named: (paths: readonly string[]) => T[], every: () => Promise<T[]>): Promise<T[]> {
  if (paths.length === 0 && !all) throw new InputError("no sealed files given", "pass FILE... or --all");
  if (paths.length > 0 && all) throw new InputError(`--all ${verb} every sealed file, so FILE arguments cannot be given with it`, "drop one of them");
  return all ? every() : named(paths);
}

/** "namespace/name" of an entry, for tables. */
export function objectLabel(sealed: SealedSecret, namespace: string): string {
  return `${sealed.metadata?.namespace ?? namespace}/${sealed.metadata?.name ?? "(no name)"}`;
}

/** Where an entry sits in its file: "file", "file#2" (third document) or "file#0.items[3]". */
export function entryPlace(file: SealedFileText, entry: SealedEntry): string {
  const multi = file.entries.length > 1 || entry.document > 0;
  const item = entry.item === undefined ? "" : `.items[${entry.item}]`;
  return multi || item !== "" ? `${file.path}#${entry.document}${item}` : file.path;
}

/** The object as sent to the controller: apiVersion, kind, name and namespace (filled in when missing), spec. */
export function requestObject(sealed: SealedSecret, namespace: string, spec: SealedSecret["spec"] = sealed.spec): SealedSecret {
  const metadata: SealedSecret["metadata"] = { namespace: sealed.metadata.namespace ?? namespace };
  if (sealed.metadata.name !== undefined) metadata.name = sealed.metadata.name;
  return { apiVersion: sealed.apiVersion, kind: "SealedSecret", metadata, spec };
}
