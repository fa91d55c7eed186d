// Temporary Git repositories for the Git store tests, driven by the real git CLI so that the code under test
// (isomorphic-git) is checked against what git itself reads and writes.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TempRepo {
  dir: string;
  git(...args: string[]): string;
  write(file: string, text: string): string;
  remove(): void;
}

/** A fresh repository in os.tmpdir() with its own user.name/user.email and no global config. */
export function makeRepo(options: { identity?: boolean } = {}): TempRepo {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "seal-git-")));
  const emptyGlobal = path.join(dir, ".git-global-config");
  const env = { ...process.env, GIT_CONFIG_GLOBAL: emptyGlobal, GIT_CONFIG_NOSYSTEM: "1", HOME: dir };
  for (const name of ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"]) {
    delete env[name];
  }
  const run = (...args: string[]): string => execFileSync("git", args, { cwd: dir, env, encoding: "utf8" });
  fs.writeFileSync(emptyGlobal, "");
  run("init", "-q", "-b", "main");
  if (options.identity !== false) {
    run("config", "user.name", "Repo Author");
    run("config", "user.email", "repo.author@example.com");
  }
  fs.writeFileSync(path.join(dir, ".git", "info", "exclude"), ".git-global-config\n");
  return {
    dir,
    git: run,
    write(file, text) {
      const absolute = path.join(dir, file);
      fs.mkdirSync(path.dirname(absolute), { recursive: true });
      fs.writeFileSync(absolute, text);
      return absolute;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Environment for code under test so that only the temp repository's config is visible. */
export function isolateGitConfig(repo: TempRepo): void {
  process.env.GIT_CONFIG_GLOBAL = path.join(repo.dir, ".git-global-config");
  for (const name of ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"]) {
    delete process.env[name];
  }
}
