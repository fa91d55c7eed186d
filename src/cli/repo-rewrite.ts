// What the commands that rewrite sealed files of a repository for one cluster share (reencrypt, migrate): the
// cluster's pinned bundle (fetched, checked and recorded before anything is written), the --commit check that every
// file is inside the repository, and the one commit of the rewritten files plus the pin file when it changed.
// Git is loaded only when it runs, as everywhere outside src/git/ (test/unit/git-isolation.test.ts).
import * as path from "node:path";
import { Flags } from "@oclif/core";
import { clusterOptionsOf } from "./cluster-options.js";
import { fetchTrustedBundle, pinNote, type TrustedBundle } from "../cluster/trusted-bundle.js";

export const rewriteFlags = {
  cluster: Flags.string({ description: "the pin name of the cluster (default: its pin for this context, else the context's name)", helpValue: "NAME" }),
  commit: Flags.boolean({ description: "commit the rewritten files in one commit" }),
  message: Flags.string({ char: "m", description: "commit message for --commit", dependsOn: ["commit"], helpValue: "MSG" }),
};

export interface Rewrite {
  trusted: TrustedBundle;
  /** Absolute path of the repository's pin file (.seal/clusters.yaml). */
  pinFile: string;
}

/** The trusted bundle of the cluster; with `commit`, refuses files outside the repository before anything is written. */
export async function startRewrite(
  flags: Parameters<typeof clusterOptionsOf>[0] & { cluster?: string | undefined; commit?: boolean | undefined },
  files: ReadonlyArray<{ absolute: string }>,
  note: (line: string) => void,
): Promise<Rewrite> {
  const trusted = await fetchTrustedBundle({ ...clusterOptionsOf(flags), cluster: flags.cluster, cwd: process.cwd() });
  const { PINNED_CLUSTERS_FILE } = await import("../git/known-keys.js");
  const pinFile = path.join(trusted.root, PINNED_CLUSTERS_FILE);
  const pinned = pinNote(trusted, path.relative(process.cwd(), pinFile));
  if (pinned !== undefined) note(pinned);
  if (flags.commit === true) {
    // A file outside the repository would be rewritten and then left uncommitted.
    const { findRepository, toRepoPath } = await import("../git/repo.js");
    const repo = await findRepository(trusted.root);
    for (const file of files) toRepoPath(repo, file.absolute);
  }
  return { trusted, pinFile };
}

/** Commits the written files (and the pin file when `pinChanged`) in one commit; its oid, or undefined if none. */
export async function commitRewrite(rewrite: Rewrite, written: readonly string[], pinChanged: boolean, message: string): Promise<string | undefined> {
  if (written.length === 0) return undefined;
  const changed = pinChanged || rewrite.trusted.change !== "unchanged";
  const { commitFiles } = await import("../git/commit.js");
  return (await commitFiles(rewrite.trusted.root, [...written, ...(changed ? [rewrite.pinFile] : [])], message)).commit;
}
