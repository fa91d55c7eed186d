// Starts the kubectl-seal CLI. `kubectl seal [FILE...] [flags]` (the root command, commands/seal.ts) and
// `kubectl seal COMMAND ...` share one entry point. oclif runs a root command only in single-command CLIs (its
// pattern discovery cannot load commands/index.js), so the first argument is routed here: a known command or
// topic goes to oclif as is, anything else (a file, a flag, nothing) to the hidden `seal` command, which a plain
// invocation runs without loading oclif at all. Kept small and dependency-free: start-up time is the seal
// command's cost.
import module from "node:module";
import { readFileSync } from "node:fs";

// Cache V8's compiled code of oclif, yaml and age between runs (on disk, in the system temp folder).
module.enableCompileCache?.();
// oclif checks the Node version against its own engines field with semver (~10 ms): ours is pinned.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= "1";

const ROOT = "seal";
const pkg = new URL("../", import.meta.url);

/** The command ids (scan, status, keys:restore, ...), from the manifest `npm run build` writes. */
function commandIds() {
  try {
    return Object.keys(JSON.parse(readFileSync(new URL("oclif.manifest.json", pkg), "utf8")).commands);
  } catch {
    return undefined; // no manifest (not built?): let oclif find the commands itself
  }
}

/** The id of the command `args` runs (its longest match), for naming it in a usage error. */
function commandOf(args, ids) {
  const matching = (ids ?? []).filter((id) => id.split(":").every((word, i) => args[i] === word));
  return matching.sort((a, b) => b.length - a.length)[0];
}

/** The arguments for oclif: `help` lists the commands, a command stays as is, anything else goes to the root. */
function route(words) {
  const args = process.argv.slice(2);
  const first = args[0];
  if (first === "help") return ["--help", ...args.slice(1)];
  if (first === "--version" || words === undefined || (first !== undefined && words.has(first))) return args;
  return [ROOT, ...args];
}

/**
 * Runs a plain root invocation without oclif (dist/src/cli/seal-fast.js: loading oclif was a third of a seal's
 * time); false when oclif has to: help, a parse error and its usage text, any other command.
 */
async function runWithoutOclif(args) {
  if (args[0] !== ROOT) return false;
  let fast;
  try {
    fast = await import(new URL("dist/src/cli/seal-fast.js", pkg).href);
  } catch {
    return false; // not built: oclif says what is wrong
  }
  return fast.runSealFast(args.slice(1));
}

const ids = commandIds();
const args = route(ids === undefined ? undefined : new Set(ids.map((id) => id.split(":")[0])));
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
  if (error?.code === "EEXIT" && typeof error.oclif?.exit === "number") {
    process.exitCode = error.oclif.exit;
    return;
  }
  const message = String(error?.message ?? error);
  let line = `kubectl-seal: error: ${message.replace(/\s*\n\s*/g, " ").trim()}`;
  try {
    const { usageErrorLine, usageProblem } = await import(new URL("dist/src/cli/usage-error.js", pkg).href);
    const problem = usageProblem(error);
    if (problem !== undefined) line = usageErrorLine(problem, commandOf(args, ids));
  } catch {
    // not built: the plain line
  }
  process.stderr.write(`${line}\n`);
  process.exitCode = 2;
}
