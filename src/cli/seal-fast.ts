// The fast path of `kubectl seal [FILE...] [flags]`: loading oclif (its parser, help, config and their
// dependencies) was about a third of a seal's whole-process time. bin/run.js offers every root invocation here
// first; a plain one (known flags as `--flag value`, `--flag=value` or `-c value`, file arguments) is parsed with
// the same flag definitions oclif gets (seal-flags.ts) and run by the same code (seal-run.ts). Anything else
// (--help, an unknown or repeated flag, a missing value, a value that starts with "-", a broken exclusive or
// dependsOn rule, `--`) is declined, and oclif parses it as before; its usage errors come out as the same one line
// (usage-error.ts).
import { EXIT_FAILURE, errorMessage } from "./output.js";
import { parsePlainFlags } from "./plain-flags.js";
import { sealBooleanFlags, sealOptionFlags } from "./seal-flags.js";
import { runSeal, type SealFlags } from "./seal-run.js";

/** Runs `argv` (the arguments after `kubectl seal`) if it is a plain invocation; false when oclif must parse it. */
export async function runSealFast(argv: readonly string[]): Promise<boolean> {
  const parsed = parsePlain(argv);
  if (parsed === undefined) return false;
  try {
    await runSeal(parsed.files, parsed.flags, (line) => process.stderr.write(`${line}\n`));
  } catch (error) {
    // As SealCommand.catch: one line, exit status 2 (and, as oclif does, exit at once).
    process.stderr.write(`${errorMessage(error)}\n`);
    process.exit(EXIT_FAILURE);
  }
  return true;
}

/** The files and flags of a plain invocation, as oclif's parser would give them; undefined for anything else. */
export function parsePlain(argv: readonly string[]): { files: string[]; flags: SealFlags } | undefined {
  const parsed = parsePlainFlags(argv, sealOptionFlags, sealBooleanFlags);
  return parsed && { files: parsed.positionals, flags: parsed.flags as unknown as SealFlags };
}
