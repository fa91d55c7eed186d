// Files the Git module reads are bounded and must be regular files, each refusal one line naming the file: the pin
// file (.seal/clusters.yaml), a bundle it points to, files to commit, and Git's own files read by isomorphic-git
// (a FIFO at .git/index would otherwise hang `recover`, which asks Git whether it would track the output).
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPinnedClusters } from "../../src/git/known-keys.js";
import { commitFiles } from "../../src/git/commit.js";
import { readGitFile } from "../../src/git/git-fs.js";
import { BIN, expectErrorLine, keySet, secretYaml, workdir, type Workdir } from "./cli-fixtures.js";

const MiB = 1024 * 1024;
let dir: Workdir;

beforeAll(() => {
  dir = workdir();
  execFileSync("git", ["init", "-q", dir.dir]);
});
afterAll(() => dir.remove());

describe("bounded reads in the Git module", () => {
  it("refuses a pin file over 8 MiB, naming it, without parsing it", () => {
    dir.write(".seal/clusters.yaml", `clusters: {}\n# ${"x".repeat(9 * MiB)}\n`);
    expect(() => readPinnedClusters(dir.dir)).toThrow(
      `pin file ${dir.path(".seal/clusters.yaml")} is larger than the 8 MiB limit for repository files (${8 * MiB} bytes): check the file: kubectl-seal writes far smaller ones`,
    );
  });

  it("refuses a pinned bundle path over the key file limit, and one that is a device", () => {
    dir.write("big-bundle.yaml", `kind: KeyBundle\n# ${"x".repeat(2 * MiB)}\n`);
    dir.write(".seal/clusters.yaml", "clusters:\n  prod: {signer: SHA256:abc, bundle: big-bundle.yaml}\n");
    expect(() => readPinnedClusters(dir.dir)).toThrow(`key bundle ${dir.path("big-bundle.yaml")} is larger than the 1 MiB limit for key files`);
    fs.symlinkSync("/dev/zero", dir.path("zero-bundle.yaml"));
    dir.write(".seal/clusters.yaml", "clusters:\n  prod: {signer: SHA256:abc, bundle: zero-bundle.yaml}\n");
    expect(() => readPinnedClusters(dir.dir)).toThrow(`key bundle ${dir.path("zero-bundle.yaml")} is a character device, not a regular file`);
    fs.rmSync(dir.path(".seal"), { recursive: true });
  });

  it("refuses to commit a file over 8 MiB", async () => {
    dir.write("huge.yaml", "x".repeat(8 * MiB + 1));
    await expect(commitFiles(dir.dir, [dir.path("huge.yaml")], "test")).rejects.toThrow(`file to commit ${dir.path("huge.yaml")} is larger than the 8 MiB limit`);
  });

  it("gives isomorphic-git bounded reads of regular files, and its usual ENOENT and EISDIR", async () => {
    await expect(readGitFile(dir.path(".git/HEAD"), "utf8")).resolves.toMatch(/^ref: refs\/heads\//);
    await expect(readGitFile(dir.path(".git/nothing"))).rejects.toMatchObject({ code: "ENOENT" });
    await expect(readGitFile(dir.path(".git/refs"))).rejects.toMatchObject({ code: "EISDIR" });
    await expect(readGitFile("/dev/zero")).rejects.toThrow("Git file /dev/zero is a character device, not a regular file: check the repository: Git keeps only regular files there");
    await expect(readGitFile(dir.path(".git/HEAD"), undefined, { bytes: 4, name: "a tiny limit", hint: "h" })).rejects.toThrow("is larger than a tiny limit (4 bytes): h");
  });

  it("recover stops with one line, instead of hanging, when .git/index is a FIFO", { timeout: 90_000 }, async () => {
    const repo = workdir();
    try {
      const { identity } = await keySet(repo);
      execFileSync("git", ["init", "-q", repo.dir]);
      repo.write("secret.yaml", secretYaml());
      const sealed = spawnSync(BIN, ["--keys", repo.path("bundle.yaml"), "secret.yaml", "-w", "sealed.yaml"], { cwd: repo.dir, encoding: "utf8", timeout: 60_000 });
      expect(sealed.status).toBe(0);
      fs.rmSync(repo.path(".git/index"), { force: true });
      execFileSync("mkfifo", [repo.path(".git/index")]);
      const result = spawnSync(BIN, ["recover", "sealed.yaml", "-i", identity, "-w", "plain.yaml"], { cwd: repo.dir, encoding: "utf8", timeout: 60_000 });
      expectErrorLine(
        { status: result.status, stdout: result.stdout, stderr: result.stderr },
        `Git file ${repo.path(".git/index")} is a FIFO (named pipe), not a regular file: check the repository: Git keeps only regular files there`,
      );
    } finally {
      repo.remove();
    }
  });
});
