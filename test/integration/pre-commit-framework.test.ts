// The repository's .pre-commit-hooks.yaml, run by the real pre-commit framework (PyPI, pinned, installed by
// scripts/install-pre-commit.sh into the cache) on a sample repository, the way a user sets it up: a commit adding a
// plaintext Secret is refused without printing its value, a commit adding a SealedSecret goes through.
// No control plane is used; the test lives here because installing the framework needs PyPI.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEALED_SECRET, SECRET_VALUES, secretManifests } from "../unit/git-manifests.js";
import { makeRepo, type TempRepo } from "../unit/git-fixtures.js";
import { repoRoot } from "./helpers/controller.js";

let preCommit: string;
let hooksRepo: TempRepo;
let sample: TempRepo;
const home = fs.mkdtempSync(path.join(os.tmpdir(), "seal-pre-commit-home-"));
const leaks = new RegExp(SECRET_VALUES.join("|"));

function env(r: TempRepo): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // kubectl-seal from this checkout, as `npm install -g` would put it on PATH.
    PATH: `${path.join(repoRoot, "bin")}:${path.dirname(preCommit)}:${process.env.PATH ?? ""}`,
    PRE_COMMIT_HOME: path.join(home, "pre-commit"),
    GIT_CONFIG_GLOBAL: path.join(r.dir, ".git-global-config"),
    HOME: home,
  };
}

function commit(r: TempRepo, message: string): { status: number | null; output: string } {
  const run = spawnSync("git", ["commit", "-m", message], { cwd: r.dir, env: env(r), encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

beforeAll(() => {
  preCommit = execFileSync("bash", [path.join(repoRoot, "scripts/install-pre-commit.sh")], { encoding: "utf8" }).trim();
  // The hooks repository a user's config points at: this project's .pre-commit-hooks.yaml, as committed.
  hooksRepo = makeRepo();
  fs.copyFileSync(path.join(repoRoot, ".pre-commit-hooks.yaml"), path.join(hooksRepo.dir, ".pre-commit-hooks.yaml"));
  hooksRepo.git("add", ".pre-commit-hooks.yaml");
  hooksRepo.git("commit", "-q", "-m", "hooks");
  const rev = hooksRepo.git("rev-parse", "HEAD").trim();

  sample = makeRepo();
  sample.write(".pre-commit-config.yaml", `repos:\n  - repo: ${hooksRepo.dir}\n    rev: ${rev}\n    hooks:\n      - id: kubectl-seal-scan\n`);
  sample.git("add", ".pre-commit-config.yaml");
  execFileSync(preCommit, ["install"], { cwd: sample.dir, env: env(sample), encoding: "utf8" });
}, 300_000);

afterAll(() => {
  hooksRepo?.remove();
  sample?.remove();
  fs.rmSync(home, { recursive: true, force: true });
});

describe("pre-commit framework with .pre-commit-hooks.yaml", () => {
  it("refuses a commit with a plaintext Secret and lets a SealedSecret through", () => {
    sample.write("apps/db/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
    sample.git("add", "-A");
    const refused = commit(sample, "add db credentials");
    expect(refused.status, refused.output).toBe(1);
    expect(refused.output).toMatch(/no plaintext Kubernetes Secrets\.+Failed/);
    expect(refused.output).toMatch(/apps\/db\/secret\.yaml +0 +Secret +db-credentials +prod +password, username/);
    expect(refused.output).not.toMatch(leaks);
    expect(spawnSync("git", ["rev-parse", "--verify", "-q", "HEAD"], { cwd: sample.dir }).status).not.toBe(0); // nothing committed

    sample.git("rm", "-q", "--cached", "apps/db/secret.yaml");
    fs.rmSync(path.join(sample.dir, "apps/db/secret.yaml"));
    sample.write("apps/db/sealed.yaml", SEALED_SECRET);
    sample.git("add", "-A");
    const passed = commit(sample, "add sealed db credentials");
    expect(passed.status, passed.output).toBe(0);
    expect(passed.output).toMatch(/no plaintext Kubernetes Secrets\.+Passed/);
    expect(sample.git("ls-tree", "-r", "--name-only", "HEAD").split("\n")).toContain("apps/db/sealed.yaml");
  });
});
