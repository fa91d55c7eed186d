// The benchmark's synthetic repository (bench/scan-history-repo.ts), small: both history engines find every
// planted Secret, each at the commit that added it, report none of the decoys, and agree with each other.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { generateHistoryRepo } from "../../bench/scan-history-repo.js";
import { scanForPlaintext } from "../../src/git/scan.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seal-history-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("scan --history on the generated benchmark repository", () => {
  it("finds every planted Secret at the commit that added it, no decoy, with both engines alike", async () => {
    const repo = await generateHistoryRepo(path.join(dir, "repo"), 60);
    expect(repo.planted.filter((p) => p.deleted).length).toBeGreaterThanOrEqual(5);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo.dir, encoding: "utf8" }).trim();
    expect(Number(git("rev-list", "--count", "--all"))).toBe(repo.commits);

    const byEngine = await Promise.all(
      (["git", "isomorphic-git"] as const).map((engine) => scanForPlaintext({ target: repo.dir, source: "history", engine })),
    );
    const [plumbing, isogit] = byEngine.map((report) => report.findings.map((f) => `${f.path}@${f.commit}`).sort());
    expect(isogit).toEqual(plumbing);
    const found = new Set(byEngine[0]!.findings.map((f) => f.path));
    expect([...found].sort()).toEqual(repo.planted.map((p) => p.path).sort());
    for (const decoy of repo.decoys) expect(found.has(decoy), decoy).toBe(false);
    for (const finding of byEngine[0]!.findings) {
      // The commit named is the one whose log entry added the file (`git log --diff-filter=A`).
      expect(git("log", "--all", "--format=%H", "--diff-filter=A", "--", finding.path).split("\n")).toContain(finding.commit);
    }
    // Strict mode adds the placeholder, empty and Helm template Secrets, nothing else.
    const strict = await scanForPlaintext({ target: repo.dir, source: "history", strict: true });
    expect(strict.findings.length).toBe(byEngine[0]!.findings.length + 4);
    expect(strict.findings.filter((f) => f.placeholdersOnly).map((f) => f.path).sort()).toEqual([
      "charts/shop/templates/secret.yaml",
      "deploy/templates/empty-secret.yaml",
      "deploy/templates/env-secret.yaml",
      "deploy/templates/placeholder-secret.yaml",
    ]);
  });
});
