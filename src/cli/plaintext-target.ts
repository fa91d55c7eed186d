// Where `kubectl seal recover -w FILE` may write plaintext: never over the sealed file it reads (that would swap
// the file kept in Git for its secrets), and not where Git would pick it up, unless --force-plaintext-in-git.
// Git is loaded only for -w, so recovering to stdout stays as light as before.
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../errors.js";

export async function checkPlaintextTarget(target: string, input: string, forceInGit: boolean): Promise<void> {
  if (input !== "-" && sameFile(target, input)) {
    throw new InputError(`-w ${target} is the sealed file being recovered`, "write the plaintext to another file; the sealed file is the one to keep");
  }
  if (forceInGit) return;
  const { workTreeTracking } = await import("../git/tracked.js");
  const root = await workTreeTracking(target);
  if (root !== undefined) {
    throw new InputError(
      `-w ${target} is inside the Git work tree ${root} and not ignored, so plaintext Secrets could be committed`,
      "write it outside the work tree or to a .gitignore'd path, or pass --force-plaintext-in-git",
    );
  }
}

function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const [x, y] = [fs.statSync(a), fs.statSync(b)];
    return x.dev === y.dev && x.ino === y.ino; // a link or another spelling of the same file
  } catch {
    return false; // the target does not exist yet
  }
}
