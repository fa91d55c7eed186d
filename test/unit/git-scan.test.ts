import { afterEach, describe, expect, it } from "vitest";
import { scanForPlaintext } from "../../src/git/scan.js";
import { isolateGitConfig, makeRepo, type TempRepo } from "./git-fixtures.js";
import { SEALED_SECRET, SECRET_VALUES, secretManifests } from "./git-manifests.js";

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
/** Writes `files`, stages everything and commits; returns the new commit. */
function commitFiles(r: TempRepo, message: string, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) r.write(file, text);
  r.git("add", "-A");
  r.git("commit", "-q", "-m", message);
  return r.git("rev-parse", "HEAD").trim();
}
const summary = (findings: Array<{ path: string; document: number; kind: string; name?: string; keys: string[] }>) =>
  findings.map((f) => `${f.path}#${f.document} ${f.kind} ${f.name ?? "-"} [${f.keys.join(",")}]`).sort();

describe("scanForPlaintext in the working tree", () => {
  it("finds Secrets in single and multi-document YAML, JSON Lists and kustomize generators", async () => {
    const r = repo();
    for (const [file, text] of Object.entries(secretManifests)) r.write(file, text);
    const report = await scanForPlaintext({ target: r.dir });
    expect(summary(report.findings)).toEqual([
      "apps/db/secret.yaml#0 Secret db-credentials [password,username]",
      "apps/list.json#0 Secret from-list [token]",
      "apps/multi.yaml#2 Secret api-token [token]",
      "overlays/prod/kustomization.yaml#0 secretGenerator app-literals [DB_PASSWORD,API_KEY]",
    ]);
    // The envs/files generators read files that are not in the tree: reported apart, not as findings.
    expect(summary(report.referencesOutsideGit)).toEqual([
      "overlays/prod/kustomization.yaml#0 secretGenerator app-env []",
      "overlays/prod/kustomization.yaml#0 secretGenerator app-files [tls.crt,tls.key]",
    ]);
    expect(report.referencesOutsideGit[0]?.references).toEqual(["secrets.env"]);
    expect(JSON.stringify(report)).not.toMatch(new RegExp(SECRET_VALUES.join("|")));
  });

  it("counts secretGenerator envs/files as findings when the files they read are in Git", async () => {
    const r = repo();
    r.write("overlays/prod/kustomization.yaml", secretManifests["overlays/prod/kustomization.yaml"]!);
    r.write("overlays/prod/secrets.env", "A=literal-LEAK-value\n");
    r.write("overlays/prod/keys/server.key", "literal-LEAK-value\n");
    r.write(".gitignore", "*.key\n");
    const worktree = await scanForPlaintext({ target: r.dir });
    expect(summary(worktree.findings)).toEqual([
      "overlays/prod/kustomization.yaml#0 secretGenerator app-env []",
      "overlays/prod/kustomization.yaml#0 secretGenerator app-literals [DB_PASSWORD,API_KEY]",
    ]);
    expect(summary(worktree.referencesOutsideGit)).toEqual([
      "overlays/prod/kustomization.yaml#0 secretGenerator app-files [tls.crt,tls.key]",
    ]);

    r.git("add", "overlays/prod/kustomization.yaml");
    const staged = await scanForPlaintext({ target: r.dir, source: "index" });
    expect(staged.findings.map((f) => f.via)).toEqual(["literals"]);
    r.git("add", "overlays/prod/secrets.env");
    r.git("commit", "-q", "-m", "env file committed");
    const history = await scanForPlaintext({ target: r.dir, source: "history" });
    expect(history.findings.map((f) => f.via).sort()).toEqual(["envs", "literals"]);
  });

  it("reports nothing for SealedSecrets, Secrets without data, other kinds and ignored files", async () => {
    const r = repo();
    r.write("sealed.yaml", SEALED_SECRET);
    r.write("empty.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: empty}\ndata: {}\n");
    r.write("tls.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\n");
    r.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Secret}\ndata: {a: b}\n");
    r.write("ignored/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
    r.write("node_modules/x/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
    r.write(".gitignore", "ignored/\n");
    const report = await scanForPlaintext({ target: r.dir });
    expect(report.findings).toEqual([]);
    expect(report.filesScanned).toBe(4);
  });

  it("notes files that mention Secret but do not parse, without failing", async () => {
    const r = repo();
    r.write("chart/templates/secret.yaml", "kind: Secret\ndata:\n  {{ .Values.secret | toYaml }}\n  : [\n");
    const report = await scanForPlaintext({ target: r.dir });
    expect(report.findings).toEqual([]);
    expect(report.unparsed).toEqual(["chart/templates/secret.yaml"]);
  });
});

describe("scanForPlaintext in the index and history", () => {
  it("--staged sees only what is staged, including content no longer in the working tree", async () => {
    const r = repo();
    r.write("committed.yaml", secretManifests["apps/db/secret.yaml"]!);
    r.git("add", "committed.yaml");
    r.git("commit", "-q", "-m", "already committed");
    r.write("staged.yaml", secretManifests["apps/multi.yaml"]!);
    r.git("add", "staged.yaml");
    r.write("staged.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: edited-after-staging}\n");
    r.write("unstaged.yaml", secretManifests["apps/db/secret.yaml"]!);

    const staged = await scanForPlaintext({ target: r.dir, source: "index" });
    expect(summary(staged.findings)).toEqual(["staged.yaml#2 Secret api-token [token]"]);
    const worktree = await scanForPlaintext({ target: r.dir });
    expect(summary(worktree.findings)).toEqual([
      "committed.yaml#0 Secret db-credentials [password,username]",
      "unstaged.yaml#0 Secret db-credentials [password,username]",
    ]);
  });

  it("--staged works before the first commit, and a PATH limits every source", async () => {
    const r = repo();
    r.write("a/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
    r.write("b/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
    r.git("add", ".");
    expect(summary((await scanForPlaintext({ target: r.dir, source: "index" })).findings)).toEqual([
      "a/secret.yaml#0 Secret db-credentials [password,username]",
      "b/secret.yaml#0 Secret db-credentials [password,username]",
    ]);
    for (const source of ["worktree", "index", "history"] as const) {
      if (source === "history") r.git("commit", "-q", "-m", "both");
      const onlyB = await scanForPlaintext({ target: `${r.dir}/b`, source });
      expect(onlyB.findings.map((f) => f.path)).toEqual(["b/secret.yaml"]);
      const file = await scanForPlaintext({ target: `${r.dir}/a/secret.yaml`, source });
      expect(file.findings.map((f) => f.path)).toEqual(["a/secret.yaml"]);
    }
  });
});

// Both history engines give the same answers: Git's plumbing (git on PATH) and isomorphic-git (no git binary).
describe.each(["git", "isomorphic-git"] as const)("scanForPlaintext --history (%s engine)", (engine) => {
  it("--history finds a Secret in an old commit deleted since, naming that commit", async () => {
    const r = repo();
    r.write("README.md", "x\n");
    r.git("add", "README.md");
    r.git("commit", "-q", "-m", "one");
    r.write("apps/db/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
    r.git("add", "apps/db/secret.yaml");
    r.git("commit", "-q", "-m", "oops");
    const leaked = r.git("rev-parse", "HEAD").trim();
    r.git("rm", "-q", "apps/db/secret.yaml");
    r.git("commit", "-q", "-m", "remove it");
    r.git("tag", "-a", "v1", "-m", "annotated");

    expect((await scanForPlaintext({ target: r.dir })).findings).toEqual([]);
    const progress: string[] = [];
    const history = await scanForPlaintext({
      target: r.dir,
      source: "history",
      engine,
      onProgress: (done, total) => progress.push(`${done}/${total}`),
    });
    expect(history.findings).toHaveLength(1);
    expect(history.findings[0]).toMatchObject({ path: "apps/db/secret.yaml", commit: leaked, name: "db-credentials" });
    expect(progress).toEqual(["1/3", "2/3", "3/3"]);
  });

  it("--history also walks branches other than the current one", async () => {
    const r = repo();
    r.write("README.md", "x\n");
    r.git("add", "README.md");
    r.git("commit", "-q", "-m", "base");
    r.git("checkout", "-q", "-b", "feature");
    r.write("leak.json", JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "j" }, data: { k: "dg==" } }));
    r.git("add", "leak.json");
    r.git("commit", "-q", "-m", "on a branch");
    r.git("checkout", "-q", "main");
    const history = await scanForPlaintext({ target: r.dir, source: "history", engine });
    expect(summary(history.findings)).toEqual(["leak.json#0 Secret j [k]"]);
  });

  it("names the commit that added a blob, not a later one holding it too (copy, merge, re-add)", async () => {
    const r = repo();
    commitFiles(r, "base", { "README.md": "x\n" });
    r.git("checkout", "-q", "-b", "feature");
    const added = commitFiles(r, "leak on a branch", { "apps/secret.yaml": secretManifests["apps/db/secret.yaml"]! });
    r.git("checkout", "-q", "main");
    commitFiles(r, "main moves on", { "README.md": "y\n" });
    r.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature");
    r.git("rm", "-q", "apps/secret.yaml");
    commitFiles(r, "move it", { "copy/secret.yaml": secretManifests["apps/db/secret.yaml"]! }); // the same blob elsewhere
    const history = await scanForPlaintext({ target: r.dir, source: "history", engine });
    expect(history.findings.map((f) => `${f.path}@${f.commit}`)).toEqual([`apps/secret.yaml@${added}`]);
    expect(history.commitsScanned).toBe(5);
  });

  it("--since REV scans only commits REV does not reach; --max-count N only the newest N", async () => {
    const r = repo();
    const first = commitFiles(r, "old", { "old/secret.yaml": secretManifests["apps/db/secret.yaml"]! });
    commitFiles(r, "readme", { "README.md": "x\n" });
    const second = commitFiles(r, "new", { "new/multi.yaml": secretManifests["apps/multi.yaml"]! });
    const scan = (range: { since?: string; maxCount?: number }) => scanForPlaintext({ target: r.dir, source: "history", engine, range });
    expect((await scan({})).findings.map((f) => f.commit)).toEqual([first, second]);
    const since = await scan({ since: first });
    expect(since.findings.map((f) => `${f.path}@${f.commit}`)).toEqual([`new/multi.yaml@${second}`]);
    expect(since.commitsScanned).toBe(2);
    r.git("tag", "scanned", "HEAD");
    expect((await scan({ since: "scanned" })).findings).toEqual([]);
    expect((await scan({ maxCount: 1 })).findings.map((f) => f.path)).toEqual(["new/multi.yaml"]);
    expect((await scan({ maxCount: 2 })).commitsScanned).toBe(2);
    await expect(scan({ since: "no-such-rev" })).rejects.toThrow(`--since no-such-rev: no such commit in ${r.dir}: give a commit, branch or tag of this repository`);
  });

  it("skips placeholder Secrets unless strict, and names blobs over 4 MiB", async () => {
    const r = repo();
    r.write("template.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: t}\nstringData: {password: REPLACE_ME, token: ''}\n");
    r.write("big.yaml", `${secretManifests["apps/db/secret.yaml"]}# ${"x".repeat(4 * 1024 * 1024)}\n`);
    r.git("add", ".");
    r.git("commit", "-q", "-m", "template");
    const head = r.git("rev-parse", "--short=12", "HEAD").trim();
    const lenient = await scanForPlaintext({ target: r.dir, source: "history", engine });
    expect(lenient).toMatchObject({ findings: [], tooLarge: [`${head}:big.yaml`] });
    const strict = await scanForPlaintext({ target: r.dir, source: "history", engine, strict: true });
    expect(strict.findings).toMatchObject([{ path: "template.yaml", placeholdersOnly: true, keys: ["password", "token"] }]);
  });
});

describe("scanForPlaintext size cap", () => {
  it("names tracked files over 4 MiB instead of reading them, and says nothing of ignored ones", async () => {
    const r = repo();
    const big = `${secretManifests["apps/db/secret.yaml"]}# ${"x".repeat(4 * 1024 * 1024)}\n`;
    r.write("big.yaml", big);
    r.write("ignored/big.yaml", big);
    r.write(".gitignore", "ignored/*.yaml\n");
    const report = await scanForPlaintext({ target: r.dir });
    expect(report).toMatchObject({ findings: [], tooLarge: ["big.yaml"] });
  });
});
