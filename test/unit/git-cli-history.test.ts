// `kubectl-seal scan --history` as a real process (bin/kubectl-seal on the build in dist/): SARIF output, ranges,
// placeholders, and the isomorphic-git fallback when no `git` is on PATH. No value ever appears in any output.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { expectErrorLine, kubectlSeal } from "./cli-fixtures.js";
import { isolateGitConfig, makeRepo, type TempRepo } from "./git-fixtures.js";
import { SECRET_VALUES, secretManifests } from "./git-manifests.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function repo(): TempRepo {
  const created = makeRepo();
  cleanups.push(created.remove);
  isolateGitConfig(created);
  return created;
}
const PLACEHOLDER_VALUE = "REPLACE_ME";
const leaks = new RegExp(SECRET_VALUES.join("|"));

/** A history: a leak (deleted since), a placeholder Secret, then a second leak. Returns the commits. */
function history(r: TempRepo): { first: string; last: string } {
  const commit = (message: string) => {
    r.git("add", "-A");
    r.git("commit", "-q", "-m", message);
    return r.git("rev-parse", "HEAD").trim();
  };
  r.write("apps/db/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
  const first = commit("leak");
  fs.rmSync(path.join(r.dir, "apps/db/secret.yaml"));
  r.write("templates/secret.yaml", `apiVersion: v1\nkind: Secret\nmetadata: {name: t}\nstringData: {password: ${PLACEHOLDER_VALUE}}\n`);
  commit("remove the leak, add a template");
  r.write("overlays/prod/kustomization.yaml", secretManifests["overlays/prod/kustomization.yaml"]!);
  const last = commit("generator");
  return { first, last };
}

describe("kubectl-seal scan --history (process)", () => {
  it("-o sarif: SARIF 2.1.0 that code scanning accepts, with file, line and fingerprint, never a value", () => {
    const r = repo();
    const { first, last } = history(r);
    const run = kubectlSeal(["scan", "--history", "-o", "sarif"], { cwd: r.dir });
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).not.toMatch(leaks);
    const sarif = JSON.parse(run.stdout);
    expect(sarif.version).toBe("2.1.0");
    const [only] = sarif.runs;
    expect(only.tool.driver.name).toBe("kubectl-seal");
    expect(only.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual(["plaintext-secret", "plaintext-secret-generator"]);
    expect(only.results).toHaveLength(2);
    expect(only.results[0]).toMatchObject({
      ruleId: "plaintext-secret",
      ruleIndex: 0,
      level: "error",
      locations: [{ physicalLocation: { artifactLocation: { uri: "apps/db/secret.yaml" }, region: { startLine: 1 } } }],
      properties: { commit: first },
    });
    expect(only.results[0].message.text).toBe(`Secret prod/db-credentials holds plaintext values for keys password, username in commit ${first}: seal it with kubectl seal and rotate the values.`);
    expect(only.results[1]).toMatchObject({ ruleId: "plaintext-secret-generator", ruleIndex: 1, properties: { commit: last } });
    const fingerprints = only.results.map((result: { partialFingerprints: Record<string, string> }) => result.partialFingerprints["kubectlSealFinding/v1"]);
    expect(fingerprints.every((f: string) => /^[0-9a-f]{64}$/.test(f))).toBe(true);
    expect(new Set(fingerprints).size).toBe(2);
    // The same findings give the same fingerprints run after run.
    expect(JSON.parse(kubectlSeal(["scan", "--history", "-o", "sarif"], { cwd: r.dir }).stdout).runs[0].results[0].partialFingerprints).toEqual(only.results[0].partialFingerprints);
  });

  it("--since and --max-count narrow the commits; --strict adds the placeholder Secret; no value in any format", () => {
    const r = repo();
    const { first } = history(r);
    const since = kubectlSeal(["scan", "--history", "--since", first, "-o", "json"], { cwd: r.dir });
    expect(since.status).toBe(1);
    expect(JSON.parse(since.stdout)).toMatchObject({ commitsScanned: 2, findings: [{ path: "overlays/prod/kustomization.yaml" }] });
    const newest = kubectlSeal(["scan", "--history", "--max-count", "1"], { cwd: r.dir });
    expect(newest.stdout).toMatch(/^[0-9a-f]{12} +overlays\/prod\/kustomization\.yaml +0 +secretGenerator \(literals\) +app-literals/m);
    expect(newest.stdout).not.toContain("apps/db/secret.yaml");
    const strict = kubectlSeal(["scan", "--history", "--strict"], { cwd: r.dir });
    expect(strict.stdout).toMatch(/ templates\/secret\.yaml +0 +Secret \(placeholders\) +t +- +password$/m);
    expect(kubectlSeal(["scan", "--history"], { cwd: r.dir }).stdout).not.toContain("templates/secret.yaml");
    for (const output of ["table", "json", "sarif"]) {
      const run = kubectlSeal(["scan", "--history", "--strict", "-o", output], { cwd: r.dir });
      expect(run.status).toBe(1);
      expect(run.stdout + run.stderr).not.toMatch(leaks);
      expect(run.stdout + run.stderr).not.toContain(PLACEHOLDER_VALUE);
    }
  });

  it("refuses an unknown --since revision in one line, --since without --history and --max-count 0", () => {
    const r = repo();
    history(r);
    expectErrorLine(kubectlSeal(["scan", "--history", "--since", "nope"], { cwd: r.dir }), `--since nope: no such commit in ${r.dir}: give a commit, branch or tag of this repository`);
    expect(kubectlSeal(["scan", "--since", "HEAD"], { cwd: r.dir }).status).toBe(2);
    // Declined by the fast path (scan-fast.ts), refused by oclif's parser with its usage message.
    const zero = kubectlSeal(["scan", "--history", "--max-count", "0"], { cwd: r.dir });
    expect(zero.status).toBe(2);
    expect(zero.stderr).toContain("Expected an integer greater than or equal to 1 but received: 0");
  });

  it("works without a git binary on PATH (isomorphic-git), with the same findings", () => {
    const r = repo();
    history(r);
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "seal-no-git-"));
    cleanups.push(() => fs.rmSync(bin, { recursive: true, force: true }));
    fs.symlinkSync("/bin/bash", path.join(bin, "bash")); // bin/kubectl-seal is a bash script; nothing else is on PATH
    const withGit = kubectlSeal(["scan", "--history", "-o", "json"], { cwd: r.dir });
    const withoutGit = kubectlSeal(["scan", "--history", "-o", "json"], { cwd: r.dir, env: { ...process.env, PATH: bin } });
    expect(withoutGit.stderr).toBe("");
    expect(withoutGit.status).toBe(1);
    expect(JSON.parse(withoutGit.stdout).findings).toEqual(JSON.parse(withGit.stdout).findings);
    expect(JSON.parse(withoutGit.stdout).findings).toHaveLength(2);
  });

  it("runs on V8's lite mode (the launcher's flag for scan, BENCHMARKS.md 8); other commands do not", () => {
    const r = repo();
    history(r);
    // A preload reports the V8 flags the process was started with; it prints nothing else.
    const probe = path.join(r.dir, "..", `execargv-${path.basename(r.dir)}.cjs`);
    fs.writeFileSync(probe, `process.on("exit", () => require("fs").writeSync(2, "EXECARGV " + JSON.stringify(process.execArgv) + "\\n"));\n`);
    cleanups.push(() => fs.rmSync(probe, { force: true }));
    const env = { ...process.env, NODE_OPTIONS: `--require ${probe}` };
    const scan = kubectlSeal(["scan", "--history", "-o", "json"], { cwd: r.dir, env });
    expect(scan.status).toBe(1);
    expect(scan.stderr).toMatch(/^EXECARGV .*"--lite-mode"/m);
    const other = kubectlSeal(["--version"], { cwd: r.dir, env });
    expect(other.stderr).toMatch(/^EXECARGV /m);
    expect(other.stderr).not.toContain("--lite-mode");
  });
});
