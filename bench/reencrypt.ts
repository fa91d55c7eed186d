// 6. Re-encryption of a Git repository of sealed files after a key rotation, through the controller, end to end
// including the Git commit: `kubectl seal reencrypt --all --commit`, as a whole process. Each run first rotates the
// keys (`kubectl seal keys rotate`, not timed), so every value is stale again.
import * as fs from "node:fs";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import git from "isomorphic-git";
import { stringify } from "yaml";
import { seal } from "../src/index.js";
import { repoRoot } from "../test/integration/helpers/controller.js";
import { cliBin, timeProcess } from "./cli.js";
import { controller, dropNamespaces, namespace, publishedBundle, type BenchCluster } from "./cluster.js";
import { notMeasured, type Row } from "./report.js";
import { figure } from "./stats.js";

export interface ReencryptOptions {
  runs: number;
  repoFiles: number;
  workers: number | undefined;
}

const TARGET_S = 10;

export async function measureReencrypt(cluster: BenchCluster, o: ReencryptOptions, progress: (line: string) => void): Promise<Row[]> {
  const id = "reencrypt";
  const measurement = `6. Reencrypt ${o.repoFiles.toLocaleString("en-US")} sealed files after a rotation, incl. Git commit`;
  const target = `< ${TARGET_S} s`;
  if (!existsSync(cliBin) || !existsSync(join(repoRoot, "dist/commands/reencrypt.js"))) {
    return [notMeasured(id, measurement, target, "command missing (kubectl seal reencrypt)")];
  }
  const controllerNs = await namespace(cluster, "bench-reenc-ctl");
  const appNs = await namespace(cluster, "bench-reenc-app");
  const ctl = await controller(cluster, controllerNs, { workers: o.workers, watchNamespaces: [appNs], name: "reencrypt" });
  const repo = mkdtempSync(join(cluster.dir, "repo-"));
  const env = { KUBECONFIG: cluster.kubeconfig };
  const cli = (args: string[]) => timeProcess(cliBin, [...args, "--controller-namespace", controllerNs], env, repo);
  try {
    const bundle = await publishedBundle(cluster, controllerNs);
    await git.init({ fs, dir: repo, defaultBranch: "main" });
    await git.setConfig({ fs, dir: repo, path: "user.name", value: "Bench" });
    await git.setConfig({ fs, dir: repo, path: "user.email", value: "bench@example.com" });
    await cli(["fetch-keys"]);
    progress(`reencrypt: sealing ${o.repoFiles} files into a Git repository`);
    mkdirSync(join(repo, "apps"));
    for (let i = 0; i < o.repoFiles; i++) {
      const data = { username: new TextEncoder().encode(`user-${i}`), password: new TextEncoder().encode(`pw-${i}-${"r".repeat(24)}`) };
      const sealed = await seal({ name: `app-${i}`, namespace: appNs, data }, bundle.keys, { scope: "strict" });
      writeFileSync(join(repo, "apps", `app-${i}.yaml`), stringify(sealed));
    }
    await git.add({ fs, dir: repo, filepath: "." });
    await git.commit({ fs, dir: repo, message: "sealed files\n" });

    const seconds: number[] = [];
    for (let run = 0; run < o.runs; run++) {
      progress(`reencrypt: run ${run + 1}/${o.runs} (rotate, then reencrypt --all --commit)`);
      await cli(["keys", "rotate", "--reason", "benchmark"]);
      const head = await git.resolveRef({ fs, dir: repo, ref: "HEAD" });
      seconds.push((await cli(["reencrypt", "--all", "--commit", "-m", `reencrypt run ${run + 1}`])) / 1000);
      // The run counts only if it committed: the whole job, not a quick refusal.
      if ((await git.resolveRef({ fs, dir: repo, ref: "HEAD" })) === head) throw new Error("reencrypt --all --commit made no commit");
    }
    const result = figure(seconds, "s");
    return [{ id, measurement, result, target, met: result.median < TARGET_S }];
  } catch (error) {
    return [notMeasured(id, measurement, target, `the command failed: ${error instanceof Error ? error.message : String(error)}`)];
  } finally {
    await ctl.stop();
    rmSync(repo, { recursive: true, force: true });
    await dropNamespaces(cluster, [appNs, controllerNs]);
  }
}
