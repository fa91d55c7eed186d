// The entry point of the single executable (`npm run dist`): the whole CLI bundled into one CommonJS file that
// runs inside a Node binary, with no package.json, node_modules or command files beside it. It routes like
// bin/run.js; a plain seal or scan runs without oclif, and only what an invocation needs is evaluated (esbuild keeps each
// `await import()` lazy), so the fast path never runs oclif's, the Kubernetes client's or Git's module code.
import { COMMAND_IDS } from "kubectl-seal:command-ids";
import { commandOf, commandWords, ROOT_COMMAND, routeArguments } from "../src/cli/route.js";

// oclif checks the Node version against its own engines field with semver: the Node inside is fixed.
process.env["OCLIF_DISABLE_ENGINE_WARNING"] ??= "1";

async function main(): Promise<void> {
  const args = routeArguments(process.argv.slice(2), commandWords(COMMAND_IDS));
  if (args[0] === ROOT_COMMAND) {
    const { runSealFast } = await import("../src/cli/seal-fast.js");
    if (await runSealFast(args.slice(1))) return;
  }
  if (args[0] === "scan") {
    // bin/kubectl-seal runs a scan with V8's --lite-mode; a single executable takes no Node flags per command, so its
    // scan turns V8's optimizing compilers off as it starts instead: they only stop tiering up (code compiled so
    // far keeps running), and a scan mostly waits on git. 64 -> 55 MiB at 2,000 commits (BENCHMARKS.md, 8).
    const { setFlagsFromString } = process.getBuiltinModule("node:v8"); // the bundle's import() reaches chunks only
    for (const flag of ["--no-opt", "--no-maglev", "--no-sparkplug"]) setFlagsFromString(flag);
    const { runScanFast } = await import("../src/cli/scan-fast.js");
    if (await runScanFast(args.slice(1))) return;
  }
  const { runOclif } = await import("./oclif.js");
  await runOclif(args, commandOf(args, COMMAND_IDS));
}

main().catch((error: unknown) => {
  // Only a fault of the executable itself gets here: commands report their own errors.
  process.stderr.write(`kubectl-seal: error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
