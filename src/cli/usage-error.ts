// Usage errors (unknown flag or command, missing argument or flag, bad flag value, unexpected argument) as the one
// line every kubectl-seal error is. oclif prints them over several lines, often followed by the whole usage help;
// here they become `kubectl-seal: error: <what>: see `kubectl seal COMMAND --help``, exit status 2. Read by
// SealCommand.catch (parse errors) and both launchers, bin/run.js and the single executable's release/oclif.ts (a
// command that does not exist). No oclif import: the class
// names and messages of oclif's parser errors are matched as data.

/** Rewrites of oclif's reasons into the words kubectl users know; anything else is kept as oclif says it. */
const REASONS: [RegExp, (...groups: string[]) => string][] = [
  [/^Nonexistent flags?: (.+)$/, (flags) => `unknown flag ${flags}`],
  [/^Missing required flag (\S+)$/, (flag) => `missing required flag --${flag}`],
  [/^Flag --(\S+) expects a value$/, (flag) => `flag --${flag} needs a value`],
  [/^Expected --([^=\s]+)=(.*) to be one of: (.+)$/, (flag, value, options) => `--${flag} ${JSON.stringify(value)} is not one of ${options}`],
  [/^Expected (.*) to be one of: (.+)$/, (value, options) => `argument ${JSON.stringify(value)} is not one of ${options}`],
  [/^--([^=\s]+)=\S+ cannot also be provided when using --(\S+)$/, (flag, other) => `--${flag} cannot be used with --${other}`],
  [/^All of the following must be provided when using --(\S+): (.+)$/, (flag, needed) => `--${flag} needs ${needed}`],
  [/^Unexpected arguments?: (.+)$/, (args) => `unexpected argument ${args}`],
  [/^command (\S+) not found$/, (id) => `unknown command "${id.replaceAll(":", " ")}"`],
];

/** The problem in a usage error, one line; undefined when `error` is not one (then it is not ours to reword). */
export function usageProblem(error: Error & { args?: { name?: string }[] }): string | undefined {
  const lines = error.message
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && line !== "See more help with --help");
  if (error.constructor.name === "RequiredArgsError") {
    const names = (error.args ?? []).map((arg) => (arg.name ?? "arg").toUpperCase());
    return `missing argument ${names.join(" ")}`;
  }
  // "The following error(s) occurred:" heads a list of reasons, one per line.
  const reasons = /^The following errors? occurred:$/.test(lines[0] ?? "") ? lines.slice(1) : lines.slice(0, 1);
  const rewritten = reasons.map((reason) => {
    for (const [pattern, rewrite] of REASONS) {
      const match = pattern.exec(reason);
      if (match !== null) return rewrite(...match.slice(1));
    }
    return undefined;
  });
  if (rewritten.length === 0 || rewritten.some((reason) => reason === undefined)) return undefined;
  return rewritten.join("; ");
}

/** The one stderr line for a usage error of `command` (oclif's id, e.g. "keys:restore"; "seal" for the root). */
export function usageErrorLine(problem: string, command: string | undefined): string {
  const words = command === undefined || command === "seal" ? "" : ` ${command.replaceAll(":", " ")}`;
  const help = problem.startsWith("unknown command") ? "`kubectl seal help` lists the commands" : `see \`kubectl seal${words} --help\``;
  return `kubectl-seal: error: ${problem}: ${help}`;
}

/**
 * What a launcher does with an error no command caught: oclif's this.exit() carries its own status; anything else,
 * such as an unknown command, is one line (a usage error worded as above) and exit status 2.
 */
export function uncaughtError(error: unknown, command: string | undefined): { exitCode: number; line?: string } {
  const e = error as { code?: unknown; oclif?: { exit?: unknown }; message?: unknown } | null | undefined;
  if (e?.code === "EEXIT" && typeof e.oclif?.exit === "number") return { exitCode: e.oclif.exit };
  const problem = error instanceof Error ? usageProblem(error) : undefined;
  const line = problem === undefined ? `kubectl-seal: error: ${String(e?.message ?? error).replace(/\s*\n\s*/g, " ").trim()}` : usageErrorLine(problem, command);
  return { exitCode: 2, line };
}
