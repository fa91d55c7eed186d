// A tiny run of the benchmark (npm run bench) against the test control plane, so it cannot rot: every row of the
// results file is filled, by a figure or by a reason it could not be measured. Times are not asserted.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { Report } from "../../bench/report.js";
import { cluster } from "../control-plane/cluster.ts";
import { repoRoot } from "./helpers/controller.js";

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), "kubectl-seal-bench-smoke-"));

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("npm run bench (smoke)", () => {
  it("writes a table and a JSON file with every row filled", { timeout: 600_000 }, async () => {
    const { kubeconfig, kubectl } = cluster();
    const flags = ["--n", "5", "--bitnami-defaults-n", "5", "--runs", "1", "--slice-ms", "20", "--rate", "5", "--seconds", "1", "--cli-runs", "1", "--files", "3", "--repo-files", "5", "--memory-n", "5", "--scan-commits", "20", "--flood", "3"];
    await run(process.execPath, [join(repoRoot, "dist/bench/run.js"), ...flags, "--kubeconfig", kubeconfig, "--kubectl", kubectl, "--out", out], {
      cwd: repoRoot,
      maxBuffer: 16 << 20,
    });

    const report = JSON.parse(readFileSync(join(out, "latest.json"), "utf8")) as Report;
    expect(report.node).toBe(process.version);
    expect(report.cpu.cores).toBeGreaterThan(0);
    expect(report.rows.map((r) => r.id)).toEqual([
      "unseal-x25519-vs-rsa",
      "unseal-x25519-vs-floor",
      "unseal-pq-vs-rsa",
      "cli-single",
      "cli-folder",
      "scan-history-time-20",
      "scan-history-rss-20",
      "scan-history-recall-20",
      "scan-history-isogit-20",
      "scan-history-sea-rss-20",
      "sea-single",
      "sea-vs-kubeseal",
      "sea-vs-launcher",
      "cold-start-5",
      "cold-start-bitnami-5",
      "cold-start-vs-bitnami-5",
      "cold-start-bitnami-defaults-5",
      "controller-rss",
      "controller-rss-vs-bitnami",
      "steady-p50",
      "steady-p99",
      "steady-p99-vs-bitnami",
      "reencrypt",
      "fairness-reference-p99",
      "fairness-flood-p50",
      "fairness-flood-p99",
      "fairness-controller-part-p99",
      "migrate",
      "memory-5",
    ]);
    for (const row of report.rows) {
      // Filled: a measured figure with a verdict, or a plain reason why not.
      const filled = row.result !== undefined ? row.met !== undefined || row.informational === true || row.note !== undefined : row.note?.startsWith("not measured") === true;
      expect(filled, `row ${row.id}`).toBe(true);
    }
    // Every row is really measured here: a failing command shows up as a row without a figure.
    for (const row of report.rows) expect(row.result, `row ${row.id}: ${row.note ?? ""}`).toBeDefined();

    const table = readFileSync(join(out, "latest.md"), "utf8");
    for (const row of report.rows) expect(table).toContain(`| ${row.measurement} |`);
  });
});
