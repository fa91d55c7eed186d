// oclif inside the single executable. oclif normally reads package.json and finds command files on disk; here both
// are built in: the package.json is bundled as data, and the root plugin uses oclif's "explicit" command discovery
// with the command classes of the bundle (kubectl-seal:commands), handed over before the plugin loads so oclif
// never looks for a file.
import { Config, flush, Plugin, run } from "@oclif/core";
import { dirname } from "node:path";
import { COMMANDS } from "kubectl-seal:commands";
import { PACKAGE_JSON as pjson } from "kubectl-seal:package";
import { uncaughtError } from "../src/cli/usage-error.js";

/** The oclif configuration of the bundled CLI, rooted at the executable's folder (oclif keeps no files there). */
async function bundledConfig(): Promise<Config> {
  const root = dirname(process.execPath);
  const oclif = { ...pjson.oclif, commands: { strategy: "explicit" as const, target: "kubectl-seal:commands", identifier: "COMMANDS" } };
  const plugin = new Plugin({ root, pjson: { ...pjson, oclif }, isRoot: true, ignoreManifest: true });
  // Explicit discovery would import `target` from disk; the classes are already here.
  (plugin as unknown as { commandCache: typeof COMMANDS }).commandCache = COMMANDS;
  await plugin.load();
  return Config.load({ root, pjson: plugin.pjson, plugins: new Map([[plugin.name, plugin]]) });
}

/**
 * Runs oclif with arguments already routed (release/main.ts); an error no command caught (an unknown command) is
 * one line and exit status 2, as bin/run.js does. `command` names the command for that line.
 */
export async function runOclif(args: string[], command: string | undefined): Promise<void> {
  // oclif's error handler re-reads process.argv to show usage help for the command that failed.
  process.argv.splice(2, Infinity, ...args);
  try {
    await run(args, await bundledConfig());
    await flush();
  } catch (error) {
    const { exitCode, line } = uncaughtError(error, command);
    if (line !== undefined) process.stderr.write(`${line}\n`);
    process.exitCode = exitCode;
  }
}
