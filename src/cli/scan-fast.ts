// The fast path of `kubectl seal scan [PATH] [flags]`: as for sealing (seal-fast.ts), loading oclif is a large part
// of a short scan (a pre-commit hook, an incremental history scan in CI): 8 of the 80 MiB of
// `scan --history` on 2,000 commits (BENCHMARKS.md, 8). bin/run.js offers every `scan` invocation here first; a plain
// one is parsed with the flag definitions oclif gets (scan-flags.ts) and run by the same code (scan-run.ts);
// anything else (help, a second PATH, a --max-count that is not a whole number of at least 1) goes to oclif.
import { parsePlainFlags } from "./plain-flags.js";
import { scanBooleanFlags, scanOptionFlags } from "./scan-flags.js";
import { runScan, type ScanFlags } from "./scan-run.js";

/** Runs `argv` (the arguments after `kubectl seal scan`) if it is a plain invocation; false when oclif must parse it. */
export async function runScanFast(argv: readonly string[]): Promise<boolean> {
  const parsed = parsePlainFlags(argv, scanOptionFlags, scanBooleanFlags);
  if (parsed === undefined || parsed.positionals.length > 1) return false;
  const { "max-count": maxCount, ...rest } = parsed.flags;
  if (maxCount !== undefined && !/^[1-9][0-9]{0,8}$/.test(String(maxCount))) return false;
  // As oclif's Command module does: stdout closed early (`kubectl seal scan | head`) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  const flags = { ...rest, ...(maxCount === undefined ? {} : { "max-count": Number(maxCount) }) } as unknown as ScanFlags;
  process.exitCode = await runScan(parsed.positionals[0], flags);
  return true;
}
