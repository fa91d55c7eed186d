// Starts the kubectl-seal CLI. `kubectl seal [FILE...] [flags]` (the root command, commands/seal.ts) and
// `kubectl seal COMMAND ...` share one entry point. oclif runs a root command only in single-command CLIs (its
// pattern discovery cannot load commands/index.js), so the first argument is routed (dist/src/cli/route.js): a
// known command or topic goes to oclif as is, anything else (a file, a flag, nothing) to the hidden `seal`
// command, which a plain invocation runs without loading oclif at all. Kept small: start-up time is the seal
// command's cost. The single executable (release/main.ts) routes the same way with its commands built in.
import module from "node:module";
import { readFileSync } from "node:fs";

// Cache V8's compiled code of oclif, yaml and age between runs (on disk, in the system temp folder).
module.enableCompileCache?.();
// oclif checks the Node version against its own engines field with semver (~10 ms): ours is pinned.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= "1";

const pkg = new URL("../", import.meta.url);

/** The command ids (scan, status, keys:generate, ...), from the manifest `npm run build` writes. */
function commandIds() {
  try {
    return Object.keys(JSON.parse(readFileSync(new URL("oclif.manifest.json", pkg), "utf8")).commands);
  } catch {
    return undefined; // no manifest (not built?): let oclif find the commands itself
  }
}

/** The routed arguments; without dist/ (not built) the arguments as given, for oclif to say what is wrong. */
async function routed(ids) {
  const args = process.argv.slice(2);
  if (ids === undefined) return args;
  const { commandWords, routeArguments } = await import(new URL("dist/src/cli/route.js", pkg).href);
  return routeArguments(args, commandWords(ids));
}

// Commands with a fast path: module and function, which take the arguments after the command ("seal" is the root
// command route.js routes plain invocations to).
const FAST_PATHS = {
  seal: ["dist/src/cli/seal-fast.js", "runSealFast"], // loading oclif was a third of a seal's time
  scan: ["dist/src/cli/scan-fast.js", "runScanFast"], // and 8 MiB of a history scan's 80
};

/**
 * Runs a plain invocation of the root command or of `scan` without oclif; false when oclif has to: help, a parse
 * error and its usage text, any other command.
 */
async function runWithoutOclif(args) {
  const fastPath = Object.hasOwn(FAST_PATHS, args[0] ?? "") ? FAST_PATHS[args[0]] : undefined;
  if (fastPath === undefined) return false;
  let fast;
  try {
    fast = await import(new URL(fastPath[0], pkg).href);
  } catch {
    return false; // not built: oclif says what is wrong
  }
  return fast[fastPath[1]](args.slice(1));
}

const ids = commandIds();
const args = await routed(ids);
if (!(await runWithoutOclif(args))) {
  // oclif's error handler re-reads process.argv to show usage help for the command that failed.
  process.argv.splice(2, Infinity, ...args);
  const { run, flush } = await import("@oclif/core");
  try {
    await run(args, import.meta.url);
    await flush();
  } catch (error) {
    await fail(error);
  }
}

/**
 * What reaches here: this.exit() (its status), or an error no command caught, such as an unknown command: one
 * line and exit status 2, as for every other error (dist/src/cli/usage-error.js words it).
 */
async function fail(error) {
  let outcome = { exitCode: 2, line: `kubectl-seal: error: ${String(error?.message ?? error).replace(/\s*\n\s*/g, " ").trim()}` };
  try {
    const { uncaughtError } = await import(new URL("dist/src/cli/usage-error.js", pkg).href);
    const { commandOf } = await import(new URL("dist/src/cli/route.js", pkg).href);
    outcome = uncaughtError(error, commandOf(args, ids ?? []));
  } catch {
    // not built: the plain line
  }
  if (outcome.line !== undefined) process.stderr.write(`${outcome.line}\n`);
  process.exitCode = outcome.exitCode;
}
