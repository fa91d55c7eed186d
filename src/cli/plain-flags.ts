// Parsing a plain command line with flag definitions given as data (flag-specs.ts), without loading oclif: the
// fast paths of `kubectl seal` (seal-fast.ts) and `kubectl seal scan` (scan-fast.ts). A plain invocation is known
// flags as `--flag value`, `--flag=value` or `-c value`, and positional arguments; anything else (--help, an unknown
// or repeated flag, a missing value, a value that starts with "-", a broken exclusive or dependsOn rule, `--`) is
// declined (undefined), and oclif parses it as before, with its own messages and usage help.
import type { BooleanFlagSpec, OptionFlagSpec } from "./flag-specs.js";

export type ParsedFlags = Record<string, string | string[] | boolean>;

/** The arguments and flags of a plain invocation, as oclif's parser would give them; undefined for anything else. */
export function parsePlainFlags(
  argv: readonly string[],
  options: Record<string, OptionFlagSpec>,
  booleans: Record<string, BooleanFlagSpec>,
): { positionals: string[]; flags: ParsedFlags } | undefined {
  const byChar = new Map<string, string>(Object.entries(options).flatMap(([name, spec]) => (spec.char === undefined ? [] : [[`-${spec.char}`, name] as const])));
  const byAlias = new Map<string, string>(Object.entries(options).flatMap(([name, spec]) => (spec.aliases ?? []).map((alias) => [alias, name] as const)));
  const flags: ParsedFlags = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? "";
    if (token === "-" || !token.startsWith("-")) {
      positionals.push(token);
      continue;
    }
    const equals = token.startsWith("--") ? token.indexOf("=") : -1;
    const long = token.startsWith("--") ? token.slice(2, equals < 0 ? undefined : equals) : undefined;
    const name = long === undefined ? byChar.get(token) : (byAlias.get(long) ?? long);
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
  return { positionals, flags };
}

function relationsHold(flags: ParsedFlags, specs: Record<string, OptionFlagSpec | BooleanFlagSpec>): boolean {
  const given = (name: string): boolean => Object.hasOwn(flags, name);
  return Object.keys(flags).every((name) => {
    const spec = specs[name];
    return (spec?.exclusive ?? []).every((other) => !given(other)) && (spec?.dependsOn ?? []).every(given);
  });
}
