// Which command an invocation of `kubectl seal` names. Shared by both launchers (bin/run.js on Node with the
// package beside it, release/main.ts in the single executable), so they route every invocation alike.

/** The hidden root command (commands/seal.ts) that `kubectl seal [FILE...] [flags]` runs. */
export const ROOT_COMMAND = "seal";

/**
 * The arguments for oclif: `help` lists the commands, a known command or topic (`words`: the first words of the
 * command ids) stays as is, anything else (a file, a flag, nothing) goes to the root command. Without `words`
 * (not built) everything goes to oclif unchanged.
 */
export function routeArguments(args: readonly string[], words: ReadonlySet<string> | undefined): string[] {
  const first = args[0];
  if (first === "help") return ["--help", ...args.slice(1)];
  if (first === "--version" || words === undefined || (first !== undefined && words.has(first))) return [...args];
  return [ROOT_COMMAND, ...args];
}

/** The first words of command ids ("keys:generate" gives "keys"). */
export function commandWords(ids: Iterable<string>): Set<string> {
  return new Set([...ids].map((id) => id.split(":")[0] ?? id));
}

/** The id of the command `args` (routed) runs, its longest match among `ids`, for naming it in a usage error. */
export function commandOf(args: readonly string[], ids: Iterable<string>): string | undefined {
  const matching = [...ids].filter((id) => id.split(":").every((word, i) => args[i] === word));
  return matching.sort((a, b) => b.length - a.length)[0];
}
