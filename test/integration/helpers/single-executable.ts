// The single executable (`npm run dist`) for tests: built once per change of its sources (scripts/dist.ts --cached
// keeps it in the shared cache by a hash of them), then copied alone into an empty folder, so a test proves it
// runs with no package, node_modules or Node beside it.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./controller.js";

let built: string | undefined;

/** The path of this machine's single executable in the cache (building it the first time, ~30 s). */
export function singleExecutable(): string {
  built ??= execFileSync(join(repoRoot, "node_modules/.bin/node"), [join(repoRoot, "scripts/dist.ts"), "--cached"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  return built;
}

/** A new empty folder holding only the executable as `kubectl-seal`, for PATH. */
export function lonePluginDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kubectl-seal-sea-"));
  copyFileSync(singleExecutable(), join(dir, "kubectl-seal"));
  return dir;
}
