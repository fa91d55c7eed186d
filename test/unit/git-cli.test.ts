// The scan and status commands run as real processes through bin/kubectl-seal, on the build in dist/ (`npm run build`).
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { generateKey, generateSigner, publicKeyOf, signBundle } from "../../src/index.js";
import { BIN, kubectlSeal } from "./cli-fixtures.js";
import { isolateGitConfig, makeRepo, type TempRepo } from "./git-fixtures.js";
import { SEALED_SECRET, SECRET_VALUES, secretManifests } from "./git-manifests.js";

// The way a user runs it: bin/kubectl-seal on the build in dist/ (`npm run build`).
function seal(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return kubectlSeal(args, { cwd });
}

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.remove();
});
function repo(): TempRepo {
  const created = makeRepo();
  repos.push(created);
  isolateGitConfig(created);
  return created;
}
const leaks = new RegExp(SECRET_VALUES.join("|"));

describe("kubectl-seal scan (process)", () => {
  it("exits 1 listing plaintext Secrets in the working tree, never printing a value", async () => {
    const r = repo();
    for (const [file, text] of Object.entries(secretManifests)) r.write(file, text);
    const table = seal(r.dir, "scan");
    expect(table.status).toBe(1);
    expect(table.stdout).toMatch(/^FILE +DOC +KIND +NAME +NAMESPACE +KEYS$/m);
    expect(table.stdout).toMatch(/^apps\/db\/secret\.yaml +0 +Secret +db-credentials +prod +password, username$/m);
    expect(table.stdout).toMatch(/secretGenerator \(literals\) +app-literals +- +DB_PASSWORD, API_KEY/);
    expect(table.stderr).toContain("4 plaintext secret(s) in 4 file(s) of the working tree");
    expect(table.stderr).toContain("note: overlays/prod/kustomization.yaml: secretGenerator app-env reads secrets.env, not in Git");
    const json = seal(r.dir, "scan", "-o", "json");
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).findings).toHaveLength(4);
    for (const output of [table, json]) expect(output.stdout + output.stderr).not.toMatch(leaks);
  });

  it("exits 0 on a clean tree, and 2 on usage errors", async () => {
    const r = repo();
    r.write("sealed.yaml", SEALED_SECRET);
    const clean = seal(r.dir, "scan");
    expect(clean).toMatchObject({ status: 0, stdout: "" });
    expect(clean.stderr).toContain("No plaintext Secrets in the working tree (1 files scanned).");
    expect(seal(r.dir, "scan", "--staged", "--history").status).toBe(2);
    expect(seal(r.dir, "scan", "-o", "yaml").status).toBe(2);
    const missing = seal(r.dir, "scan", "no/such/dir");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^kubectl-seal: error: \S*no\/such\/dir does not exist: give an existing file or directory\n$/);
  });

  it("--staged gates a commit: 1 while a Secret is staged, 0 once only the sealed file is", async () => {
    const r = repo();
    r.write("apps/db/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
    r.git("add", "apps/db/secret.yaml");
    const blocked = seal(path.join(r.dir, "apps"), "scan", "--staged");
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toContain("apps/db/secret.yaml");
    expect(blocked.stdout + blocked.stderr).not.toMatch(leaks);
    r.git("rm", "-q", "--cached", "apps/db/secret.yaml");
    r.write("apps/db/sealed.yaml", SEALED_SECRET);
    r.git("add", "apps/db/sealed.yaml");
    expect(seal(r.dir, "scan", "--staged").status).toBe(0);
  });

  it("--history finds a Secret deleted since, with the commit that added it", async () => {
    const r = repo();
    r.write("apps/db/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
    r.git("add", ".");
    r.git("commit", "-q", "-m", "leak");
    const leaked = r.git("rev-parse", "--short=12", "HEAD").trim();
    r.git("rm", "-q", "apps/db/secret.yaml");
    r.git("commit", "-q", "-m", "remove");
    expect(seal(r.dir, "scan").status).toBe(0);
    const history = seal(r.dir, "scan", "--history");
    expect(history.status).toBe(1);
    expect(history.stdout).toMatch(new RegExp(`^${leaked} +apps/db/secret\\.yaml +0 +Secret +db-credentials`, "m"));
    expect(history.stdout + history.stderr).not.toMatch(leaks);
  });
});

describe("kubectl-seal scan --staged as a real pre-commit hook", () => {
  function installHook(r: TempRepo): void {
    const hook = path.join(r.dir, ".git", "hooks", "pre-commit");
    fs.writeFileSync(hook, `#!/bin/sh\nexec "${BIN}" scan --staged\n`, { mode: 0o755 });
  }
  const commit = (r: TempRepo, ...args: string[]) =>
    spawnSync("git", ["commit", "-q", ...args], { cwd: r.dir, encoding: "utf8", env: { ...process.env, HOME: r.dir } });

  it("refuses `git commit -a` that would add a Secret (the hook reads git's temporary index)", () => {
    const r = repo();
    r.write("deploy/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n");
    r.git("add", ".");
    r.git("commit", "-q", "-m", "config");
    installHook(r);
    r.write("deploy/config.yaml", secretManifests["apps/db/secret.yaml"]!); // modified, not staged: -a stages it
    const refused = commit(r, "-a", "-m", "add secret");
    expect(refused.status).toBe(1);
    expect(refused.stdout + refused.stderr).toContain("deploy/config.yaml");
    expect(refused.stdout + refused.stderr).not.toMatch(leaks);
    expect(r.git("log", "--format=%s")).toBe("config\n");

    r.write("deploy/config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: changed}\n");
    expect(commit(r, "-a", "-m", "harmless change").status).toBe(0);
    expect(r.git("log", "-1", "--format=%s")).toBe("harmless change\n");
  });
});

describe("kubectl-seal status (process)", () => {
  it("lists sealed files and flags a value sealed to a key id not in the bundle", async () => {
    const r = repo();
    r.write("apps/db/sealed.yaml", SEALED_SECRET);
    const key = await generateKey("x25519");
    r.write("bundle.yaml", stringify(signBundle([publicKeyOf(key)], generateSigner().secretKey)));
    const result = seal(r.dir, "status", "--keys", "bundle.yaml");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^apps\/db\/sealed\.yaml +0 +prod\/db-credentials +strict +password +k1 +- +unknown-key: k1$/m);
    expect(result.stderr).toContain("Compared with: bundle.yaml.");
    const json = JSON.parse(seal(r.dir, "status", "--keys", "bundle.yaml", "-o", "json").stdout);
    expect(json.objects[0].values[0]).toMatchObject({ key: "password", state: "unknown-key", problemKeys: ["k1"] });

    r.write("bundle.yaml", fs.readFileSync(`${r.dir}/bundle.yaml`, "utf8").replace(/issued: .*/, 'issued: "2000-01-01T00:00:00Z"'));
    const tampered = seal(r.dir, "status", "--keys", "bundle.yaml");
    expect(tampered.status).toBe(2);
    expect(tampered.stderr).toMatch(/^kubectl-seal: error: bundle\.yaml: key bundle signed by SHA256:\S+ has an invalid signature: .*\n$/);
  });
});
