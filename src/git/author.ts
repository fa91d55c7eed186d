// Who a kubectl-seal commit is by: the same sources git uses, in git's order of precedence.
// isomorphic-git reads only $GIT_DIR/config, so the global files are read here through its own parser.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import git from "isomorphic-git";
import { GitStoreError } from "./errors.js";
import type { FsClient } from "isomorphic-git";
import type { Repository } from "./repo.js";
import { gitFs, readGitFile } from "./git-fs.js";

export interface Identity {
  name: string;
  email: string;
}

/** Global config files in the order git reads them (later wins). */
function globalConfigFiles(): string[] {
  if (process.env.GIT_CONFIG_GLOBAL) return [process.env.GIT_CONFIG_GLOBAL];
  const xdg = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config");
  return [path.join(xdg, "git", "config"), path.join(os.homedir(), ".gitconfig")];
}

// getConfig() reads `${gitdir}/config`; this file system answers that one read with another file.
const VIRTUAL_GITDIR = "/kubectl-seal-global-config";
function fsServing(configFile: string): FsClient {
  return {
    promises: {
      ...fs.promises,
      readFile: async (file: string, options?: unknown) =>
        file === `${VIRTUAL_GITDIR}/config`
          ? readGitFile(configFile, options)
          : readGitFile(file, options),
    },
  };
}

async function readConfigValue(key: string, repo: Repository): Promise<string | undefined> {
  const local: unknown = await git.getConfig({ fs: gitFs, gitdir: repo.gitdir, path: key });
  if (typeof local === "string" && local !== "") return local;
  let found: string | undefined;
  for (const file of globalConfigFiles()) {
    if (!fs.existsSync(file)) continue;
    const value: unknown = await git.getConfig({ fs: fsServing(file), gitdir: VIRTUAL_GITDIR, path: key });
    if (typeof value === "string" && value !== "") found = value;
  }
  return found;
}

async function identityFor(role: "AUTHOR" | "COMMITTER", repo: Repository): Promise<Identity> {
  const name = process.env[`GIT_${role}_NAME`] || (await readConfigValue("user.name", repo));
  const email = process.env[`GIT_${role}_EMAIL`] || (await readConfigValue("user.email", repo));
  if (!name || !email) {
    const missing = !email ? "user.email" : "user.name";
    throw new GitStoreError(
      `no ${missing} in the Git config of ${repo.dir} or ~/.gitconfig, so the commit has no ${role.toLowerCase()}`,
      `set it with \`git config ${missing} ${missing === "user.email" ? "you@example.com" : '"Your Name"'}\``,
    );
  }
  return { name, email };
}

/** The author and committer git would record for a commit in `repo`. */
export async function commitIdentities(repo: Repository): Promise<{ author: Identity; committer: Identity }> {
  const author = await identityFor("AUTHOR", repo);
  const committer = await identityFor("COMMITTER", repo);
  return { author, committer };
}
