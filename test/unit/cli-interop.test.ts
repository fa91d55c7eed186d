// The CLI with the tools around it: the standard age command opens a value sealed with --recipient to a key
// made by age-keygen, --commit makes one commit holding exactly the written file, and the launcher works
// through the symlinks npm installs.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { afterEach, beforeEach, expect, it } from "vitest";
import { parse } from "yaml";
import { requireTool } from "./core-fixtures.js";
import { BIN, CANARIES, expectNoCanary, keySet, kubectlSeal, secretYaml, workdir, type Workdir } from "./cli-fixtures.js";
import { makeRepo, type TempRepo } from "./git-fixtures.js";

let dir: Workdir;
beforeEach(() => {
  dir = workdir();
});
afterEach(() => dir.remove());

it("age -d -i decrypts a value sealed with --recipient from age-keygen; tail -n +2 gives the value", async () => {
  requireTool("age");
  requireTool("age-keygen");
  const { bundle } = await keySet(dir);
  execFileSync("age-keygen", ["-o", dir.path("recovery.txt")], { stdio: "ignore" });
  const recipient = execFileSync("age-keygen", ["-y", dir.path("recovery.txt")], { encoding: "utf8" }).trim();
  dir.write("secret.yaml", secretYaml({ namespace: "shop" }));
  const run = kubectlSeal(["--keys", bundle, "--recipient", recipient, "--scope", "namespace", "secret.yaml"], { cwd: dir.dir });
  expect(run.status).toBe(0);
  const sealed = parse(run.stdout) as { spec: { encryptedData: Record<string, string>; sealedTo: Record<string, string[]> } };
  expect(sealed.spec.sealedTo["token"]).toHaveLength(2);
  dir.write("token.age", Buffer.from(sealed.spec.encryptedData["token"] ?? "", "base64"));
  const value = execFileSync("sh", ["-c", 'age -d -i "$1" "$2" | tail -n +2', "sh", dir.path("recovery.txt"), dir.path("token.age")], { encoding: "utf8" });
  expect(value).toBe(CANARIES[1]);
  // And `kubectl seal recover` opens the whole file with the age-keygen identity.
  dir.write("sealed.yaml", run.stdout);
  const recovered = kubectlSeal(["recover", "sealed.yaml", "-i", "recovery.txt"], { cwd: dir.dir });
  expect(recovered.status).toBe(0);
  expect(recovered.stdout).toContain(Buffer.from(CANARIES[1] ?? "").toString("base64"));
});

it("--commit commits exactly the written file, leaving other staged changes staged", async () => {
  const repo: TempRepo = makeRepo();
  try {
    const { bundle } = await keySet(dir);
    const env = { ...process.env, GIT_CONFIG_GLOBAL: `${repo.dir}/.git-global-config`, GIT_CONFIG_NOSYSTEM: "1" };
    repo.write("README.md", "hello\n");
    repo.git("add", "README.md");
    repo.git("commit", "-qm", "first");
    repo.write("other.txt", "staged but not ours\n");
    repo.git("add", "other.txt");
    repo.write("apps/secret.yaml", secretYaml());

    const run = kubectlSeal(["--keys", bundle, "apps/secret.yaml", "-w", "apps/sealed.yaml", "--commit"], { cwd: repo.dir, env });
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^committed apps\/sealed\.yaml as [0-9a-f]{12}\n$/);
    expect(run.status).toBe(0);
    expectNoCanary(run);
    expect(repo.git("log", "--format=%s", "-1").trim()).toBe("seal: shop/db (password, token)");
    expect(repo.git("show", "--name-only", "--format=", "HEAD").trim()).toBe("apps/sealed.yaml");
    expect(repo.git("show", "HEAD:apps/sealed.yaml")).toBe(repo.git("cat-file", "blob", `:apps/sealed.yaml`));
    expect(repo.git("diff", "--cached", "--name-only").trim()).toBe("other.txt");

    // --merge-into with -m: the merged file is committed with that message.
    const merged = kubectlSeal(["--keys", bundle, "-n", "shop", "--name", "db", "--from-literal", "extra=x", "--merge-into", "apps/sealed.yaml", "--commit", "-m", "add extra"], { cwd: repo.dir, env });
    expect(merged.status).toBe(0);
    expect(repo.git("log", "--format=%s", "-1").trim()).toBe("add extra");
    expect(repo.git("show", "--name-only", "--format=", "HEAD").trim()).toBe("apps/sealed.yaml");
    expect(repo.git("rev-list", "--count", "HEAD").trim()).toBe("3");
  } finally {
    repo.remove();
  }
});

it("the launcher follows symlinks (npm link, npm install -g) and runs on the project's Node, whatever node is on PATH", () => {
  const linked = dir.path("bin/kubectl-seal");
  fs.mkdirSync(dir.path("bin"));
  fs.symlinkSync(BIN, linked);
  // A `node` first on PATH that must not be used.
  dir.write("fake/node", "#!/bin/sh\necho wrong node >&2\nexit 99\n", 0o755);
  const run = spawnSync(linked, ["--version"], { encoding: "utf8", env: { ...process.env, PATH: `${dir.path("fake")}:${process.env.PATH ?? ""}` } });
  expect(run.stderr).toBe("");
  expect(run.stdout).toMatch(/^kubectl-seal\/\d+\.\d+\.\d+ \S+ node-v24\./);
});
