// Release archives of the single executable: .tar.gz (Linux, macOS) or .zip (Windows) holding the executable, the
// licence (krew's index requires one in every archive) and README.md, each with a `sha256sum`-style .sha256 file.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Target } from "./targets.ts";

export interface Archive {
  target: Target;
  file: string;
  sha256: string;
}

export function sha256Of(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** The files of every archive besides the executable, from the repository root. */
export const ARCHIVE_DOCS = ["LICENSE", "README.md"] as const;

/** Packs `executable` as `<out>/kubectl-seal-<version>-<target>.<ext>` with ARCHIVE_DOCS, and writes its .sha256. */
export function makeArchive(executable: string, target: Target, version: string, out: string, root: string): Archive {
  const file = join(out, `kubectl-seal-${version}-${target.name}.${target.archive}`);
  const stage = mkdtempSync(join(out, ".stage-"));
  try {
    copyFileSync(executable, join(stage, target.executable));
    for (const doc of ARCHIVE_DOCS) copyFileSync(join(root, doc), join(stage, doc));
    const members = [target.executable, ...ARCHIVE_DOCS];
    rmSync(file, { force: true });
    if (target.archive === "zip") {
      execFileSync("zip", ["-q", "-X", file, ...members], { cwd: stage });
    } else {
      // Same bytes for the same inputs: fixed owner and time, no per-user metadata.
      execFileSync("tar", ["--use-compress-program=gzip -n", "-cf", file, "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", stage, ...members]);
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const sha256 = sha256Of(file);
  writeFileSync(`${file}.sha256`, `${sha256}  ${basename(file)}\n`);
  return { target, file, sha256 };
}
