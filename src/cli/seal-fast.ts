// The fast path of `kubectl seal [FILE...] [flags]`: loading oclif (its parser, help, config and their
// dependencies) was about a third of a seal's whole-process time. bin/run.js offers every root invocation here
// first; a plain one (known flags as `--flag value`, `--flag=value` or `-c value`, file arguments) is parsed with
// the same flag definitions oclif gets (seal-flags.ts) and run by the same code (seal-run.ts). Anything else
// (--help, an unknown or repeated flag, a missing value, a value that starts with "-", a broken exclusive or
// dependsOn rule, `--`) is declined, and oclif parses it as before; its usage errors come out as the same one line
// (usage-error.ts).
import type { BooleanFlagSpec, OptionFlagSpec } from "./flag-specs.js";
import { EXIT_FAILURE, errorMessage } from "./output.js";
import { sealBooleanFlags, sealOptionFlags } from "./seal-flags.js";
import { runSeal, type SealFlags } from "./seal-run.js";

type Parsed = Record<string, string | string[] | boolean>;

/** Runs `argv` (the arguments after `kubectl seal`) if it is a plain invocation; false when oclif must parse it. */
export async function runSealFast(argv: readonly string[]): Promise<boolean> {
  const parsed = parsePlain(argv);
  if (parsed === undefined) return false;
  // As oclif's Command module does: stdout closed early (`kubectl seal ... | head`) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
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
  const options: Record<string, OptionFlagSpec> = sealOptionFlags;
  const booleans: Record<string, BooleanFlagSpec> = sealBooleanFlags;
  const byChar = new Map<string, string>(Object.entries(options).flatMap(([name, spec]) => (spec.char === undefined ? [] : [[`-${spec.char}`, name] as const])));
  const flags: Parsed = {};
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? "";
    if (token === "-" || !token.startsWith("-")) {
      files.push(token);
      continue;
    }
    const equals = token.startsWith("--") ? token.indexOf("=") : -1;
    const name = token.startsWith("--") ? token.slice(2, equals < 0 ? undefined : equals) : byChar.get(token);
    if (name === undefined) return undefined; // an unknown short form (or -nVALUE, which we do not read)
    if (Object.hasOwn(booleans, name)) {
      if (equals >= 0 || Object.hasOwn(flags, name)) return undefined;
      flags[name] = true;
      continue;
    }
    const spec = Object.hasOwn(options, name) ? options[name] : undefined;
    if (spec === undefined || (Object.hasOwn(flags, name) && spec.multiple !== true)) return undefined;
    const value = equals >= 0 ? token.slice(equals + 1) : argv[++i];
    if (value === undefined || value === "" || value.startsWith("-")) return undefined;
    if (spec.options !== undefined && !spec.options.includes(value)) return undefined;
    flags[name] = spec.multiple === true ? [...((flags[name] as string[] | undefined) ?? []), value] : value;
  }
  if (!relationsHold(flags, { ...options, ...booleans })) return undefined;
  for (const [name, spec] of Object.entries(options)) if (spec.default !== undefined && !Object.hasOwn(flags, name)) flags[name] = spec.default;
  return { files, flags: flags as unknown as SealFlags };
}

function relationsHold(flags: Parsed, specs: Record<string, OptionFlagSpec | BooleanFlagSpec>): boolean {
  const given = (name: string): boolean => Object.hasOwn(flags, name);
  return Object.keys(flags).every((name) => {
    const spec = specs[name];
    return (spec?.exclusive ?? []).every((other) => !given(other)) && (spec?.dependsOn ?? []).every(given);
  });
}
