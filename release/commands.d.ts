// Modules that exist only inside the single executable's bundle: scripts/dist/bundle.ts generates them from the
// files in commands/ when it bundles, so a new command file is picked up without a list to maintain.
declare module "kubectl-seal:command-ids" {
  /** Every command id ("scan", "keys:generate", ...), without loading any command. */
  export const COMMAND_IDS: readonly string[];
}

declare module "kubectl-seal:commands" {
  import type { Command } from "@oclif/core";
  /** Every command class by id, for oclif's "explicit" command discovery. */
  export const COMMANDS: Record<string, Command.Class>;
}

declare module "kubectl-seal:package" {
  import type { PJSON } from "@oclif/core/interfaces";
  /** package.json as oclif reads it. */
  export const PACKAGE_JSON: PJSON;
}
