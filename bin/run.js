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

/** First words of the command ids (scan, status, keys, ...), from the manifest `npm run build` writes. */
function commandWords() {
  try {
    const manifest = JSON.parse(readFileSync(new URL("oclif.manifest.json", pkg), "utf8"));
    return new Set(Object.keys(manifest.commands).map((id) => id.split(":")[0]));
  } catch {
    return undefined; // no manifest (not built?): let oclif find the commands itself
  }
}

/** The arguments for oclif: `help` lists the commands, a command stays as is, anything else goes to the root. */
function route(words) {
  const args = process.argv.slice(2);
  const first = args[0];
  if (first === "help") return ["--help", ...args.slice(1)];
  if (first === "--version" || words === undefined || (first !== undefined && words.has(first))) return args;
  return [ROOT, ...args];
}

// Commands with a fast path: module and function, which take the arguments after the command.
const FAST_PATHS = {
  [ROOT]: ["dist/src/cli/seal-fast.js", "runSealFast"], // loading oclif was a third of a seal's time
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

const args = route(commandWords());
if (!(await runWithoutOclif(args))) {
  // oclif's error handler re-reads process.argv to show usage help for the command that failed.
  process.argv.splice(2, Infinity, ...args);
  const { execute } = await import("@oclif/core");
  await execute({ args, dir: import.meta.url });
}
