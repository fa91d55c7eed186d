// 8. Migration of a Git repository of Bitnami-sealed files (made by the real kubeseal, to a 4096-bit key as Bitnami's
// controller makes them) to kubectl-seal files, through the controller, end to end including the Git commit:
// `kubectl seal migrate --all --commit`, as a whole process. Our controller reads the Bitnami key from a Secret
// labelled as Bitnami labels its keys (--bitnami-keys-namespace); Bitnami's controller itself is not needed.
// Before each run the Bitnami files are written back and committed (not timed). Reference: the part no migration can
// avoid, opening every value with Bitnami's RSA key in this process (bitnamiDecrypt over the same ciphertexts), timed
// right after each run.
import * as fs from "node:fs";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import git from "isomorphic-git";
import { parse } from "yaml";
import { bitnamiDecrypt, parseBitnamiKey } from "../src/bitnami/crypto.js";
import { BITNAMI_KEY_LABEL, bitnamiLabel, type BitnamiSealedSecret } from "../src/bitnami/sealed-secret.js";
import { repoRoot } from "../test/integration/helpers/controller.js";
import { kubeseal, makeBitnamiKeyPair } from "../test/integration/helpers/kubeseal.js";
import { cliBin, timeProcess } from "./cli.js";
import { controller, dropNamespaces, namespace, publishedBundle, type BenchCluster } from "./cluster.js";
import { notMeasured, type Row } from "./report.js";
import { figure, ratios } from "./stats.js";

export interface MigrateOptions {
  runs: number;
  repoFiles: number;
  workers: number | undefined;
  /** Folder for CPU profiles of the controller and the timed CLI run, or undefined. */
  profile: string | undefined;
}

/**
 * Most of the job is Bitnami's RSA-4096 decryption of every value, which no migration avoids (about 13 ms a value
 * here), so the target is relative to it: the whole command within twice the in-process decryption.
 */
const TARGET_RATIO = 2;

/** Seconds to open every value of `texts` with `key` in this process: the migration's irreducible crypto. */
function decryptFloor(texts: readonly string[], keyPem: string): number {
  const keys = [parseBitnamiKey("bench", Buffer.from(keyPem))];
  const objects = texts.map((text) => parse(text) as BitnamiSealedSecret);
  const start = process.hrtime.bigint();
  for (const object of objects) {
    for (const value of Object.values(object.spec.encryptedData)) bitnamiDecrypt(keys, Buffer.from(value, "base64"), bitnamiLabel(object));
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function measureMigrate(cluster: BenchCluster, o: MigrateOptions, progress: (line: string) => void): Promise<Row[]> {
  const id = "migrate";
  const measurement = `8. Migrate ${o.repoFiles.toLocaleString("en-US")} Bitnami-sealed files to kubectl-seal files, incl. Git commit`;
  const target = `< ${TARGET_RATIO}× in-process decryption`;
  if (!existsSync(cliBin) || !existsSync(join(repoRoot, "dist/commands/migrate.js"))) {
    return [notMeasured(id, measurement, target, "command missing (kubectl seal migrate)")];
  }
  const [controllerNs, appNs, bitnamiNs] = [await namespace(cluster, "bench-mig-ctl"), await namespace(cluster, "bench-mig-app"), await namespace(cluster, "bench-mig-keys")];
  const pair = makeBitnamiKeyPair(4096);
  const repo = mkdtempSync(join(cluster.dir, "repo-"));
  const env = { KUBECONFIG: cluster.kubeconfig };
  const profiled: Record<string, string> = o.profile === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${o.profile}` };
  const cli = (args: string[]) => timeProcess(cliBin, [...args, "--controller-namespace", controllerNs], env, repo);
  const ctl = await controller(cluster, controllerNs, { workers: o.workers, watchNamespaces: [appNs], name: "migrate", args: ["--bitnami-keys-namespace", bitnamiNs], ...(o.profile === undefined ? {} : { profileDir: o.profile }) });
  try {
    await cluster.core.createNamespacedSecret({
      namespace: bitnamiNs,
      body: { metadata: { name: "sealed-secrets-key-bench", labels: { [BITNAMI_KEY_LABEL]: "active" } }, type: "kubernetes.io/tls", stringData: { "tls.key": pair.key, "tls.crt": pair.cert } },
    });
    const { buildBitnami } = (await import(pathToFileURL(join(repoRoot, "test/control-plane/bitnami.ts")).href)) as { buildBitnami(): Promise<{ kubeseal: string }> };
    const bin = (await buildBitnami()).kubeseal;
    await publishedBundle(cluster, controllerNs);
    await git.init({ fs, dir: repo, defaultBranch: "main" });
    await git.setConfig({ fs, dir: repo, path: "user.name", value: "Bench" });
    await git.setConfig({ fs, dir: repo, path: "user.email", value: "bench@example.com" });
    await cli(["fetch-keys"]);
    progress(`migrate: sealing ${o.repoFiles} files with kubeseal --cert`);
    mkdirSync(join(repo, "apps"));
    const texts = Array.from({ length: o.repoFiles }, (_, i) => {
      const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: `app-${i}`, namespace: appNs }, type: "Opaque", stringData: { username: `user-${i}`, password: `pw-${i}-${"r".repeat(24)}` } };
      return kubeseal(bin, ["--cert", pair.certFile, "-o", "yaml"], JSON.stringify(secret));
    });

    const seconds: number[] = [];
    const floor: number[] = [];
    for (let run = 0; run < o.runs; run++) {
      texts.forEach((text, i) => writeFileSync(join(repo, "apps", `app-${i}.yaml`), text));
      await git.add({ fs, dir: repo, filepath: "." });
      const head = await git.commit({ fs, dir: repo, message: `Bitnami-sealed files (run ${run + 1})\n` });
      progress(`migrate: run ${run + 1}/${o.runs} (migrate --all --commit)`);
      const args = ["migrate", "--all", "--commit", "-m", `migrate run ${run + 1}`, "--controller-namespace", controllerNs];
      seconds.push((await timeProcess(cliBin, args, { ...env, ...profiled }, repo)) / 1000);
      if ((await git.resolveRef({ fs, dir: repo, ref: "HEAD" })) === head) throw new Error("migrate --all --commit made no commit");
      floor.push(decryptFloor(texts, pair.key));
    }
    const result = figure(seconds, "s");
    const ratio = figure(ratios(seconds, floor), "×");
    return [{
      id,
      measurement,
      result,
      reference: { what: `opening the ${o.repoFiles * 2} values with Bitnami's RSA-4096 key in-process`, figure: figure(floor, "s") },
      ratio: { what: "migrate ÷ in-process decryption", figure: ratio },
      target,
      met: ratio.median < TARGET_RATIO,
    }];
  } catch (error) {
    return [notMeasured(id, measurement, target, `the command failed: ${error instanceof Error ? error.message : String(error)}`)];
  } finally {
    await ctl.stop();
    pair.remove();
    rmSync(repo, { recursive: true, force: true });
    await dropNamespaces(cluster, [appNs, controllerNs, bitnamiNs]);
  }
}
