// What `kubectl seal [FILE...] [flags]` does once its arguments are parsed: read the Secrets, get the keys, seal,
// write. Shared by the oclif command (commands/seal.ts) and the fast path (seal-fast.ts), so both behave the same.
import * as path from "node:path";
import { SealError } from "../errors.js";
import { printManifests } from "../manifest.js";
import { getOwn } from "../records.js";
import { KUBESEAL_SCOPES, parseScope } from "../scope.js";
import { seal } from "../seal.js";
import { sealingKeysOf, type KeySourceFlags } from "./key-source.js";
import { sealedOutput } from "./sealed-output.js";
import { writeStdout } from "./stdout.js";
import { secretsToSeal } from "./secret-sources.js";
import { writeFileAtomic } from "./write-file.js";

/** The parsed flags (src/cli/seal-flags.ts); a flag not given is undefined. */
export interface SealFlags extends KeySourceFlags {
  recipient?: string[] | undefined;
  scope: string;
  "from-literal"?: string[] | undefined;
  "from-file"?: string[] | undefined;
  "from-env-file"?: string[] | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
  type?: string | undefined;
  output?: string | undefined;
  write?: string | undefined;
  "merge-into"?: string | undefined;
  raw?: boolean | undefined;
  commit?: boolean | undefined;
  message?: string | undefined;
}

/** Seal the Secrets of `files` (or stdin, or the --from-* flags); `note` prints a line for the user on stderr. */
export async function runSeal(files: readonly string[], flags: SealFlags, note: (line: string) => void): Promise<void> {
  const scope = parseScope(getOwn(KUBESEAL_SCOPES, flags.scope) ?? flags.scope, "--scope");
  const target = flags.write ?? flags["merge-into"];
  if (flags.commit) {
    if (target === undefined) throw new SealError("--commit needs a file to commit, but the output goes to stdout", "add -w FILE or --merge-into FILE");
    // Before anything is written: a file outside any repository would otherwise be written and left uncommitted.
    const { findRepository, toRepoPath } = await import("../git/repo.js");
    toRepoPath(await findRepository(path.dirname(path.resolve(target))), target);
  }
  const secrets = await secretsToSeal(files, {
    fromLiteral: flags["from-literal"],
    fromFile: flags["from-file"],
    fromEnvFile: flags["from-env-file"],
    name: flags.name,
    namespace: flags.namespace,
    type: flags.type,
  }, scope);
  const keys = await sealingKeysOf(flags, note);
  const sealed = [];
  // YAML to stdout goes out one document at a time, so `kubectl seal ... | head` stops sealing once the reader
  // has closed the pipe instead of sealing everything first.
  const stream = target === undefined && flags.raw !== true && flags.output !== "json";
  for (const secret of secrets) {
    const one = await seal(secret, keys, { scope, recipients: flags.recipient ?? [] });
    sealed.push(one);
    if (stream && !(await writeStdout(`${sealed.length > 1 ? "---\n" : ""}${printManifests([one], "yaml")}`))) return;
  }
  if (stream) return;
  const text = sealedOutput(sealed, { raw: flags.raw, output: flags.output, mergeInto: flags["merge-into"] });
  if (target === undefined) {
    await writeStdout(text);
    return;
  }
  await writeFileAtomic(target, text);
  if (flags.commit) await commit(target, flags.message ?? defaultMessage(sealed), note);
}

async function commit(file: string, message: string, note: (line: string) => void): Promise<void> {
  const { commitFiles } = await import("../git/commit.js");
  const result = await commitFiles(path.dirname(path.resolve(file)), [file], message);
  note(result.created ? `committed ${result.paths.join(", ")} as ${result.commit.slice(0, 12)}` : `${result.paths.join(", ")} unchanged: nothing to commit`);
}

/** "seal: shop/db (password, username)": names and keys only, never a value. */
function defaultMessage(sealed: { metadata: { namespace?: string; name?: string }; spec: { encryptedData: Record<string, string> } }[]): string {
  const objects = sealed.map((s) => `${[s.metadata.namespace, s.metadata.name].filter(Boolean).join("/")} (${Object.keys(s.spec.encryptedData).join(", ")})`);
  return `seal: ${objects.join("; ")}`;
}
