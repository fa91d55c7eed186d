// 5c-5e. The single executable (`npm run dist`): a whole-process offline seal of one 10-key Secret, side by side in
// one interleaved run with `node -e 0` (the start-up floor of the same Node), bin/kubectl-seal (the npm package's
// launcher) and Bitnami's kubeseal v0.40.0 sealing the same Secret offline with `--cert` (an RSA-4096 certificate,
// as its controller makes). Target: the single executable within 1.5x of `node -e 0`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../test/integration/helpers/controller.js";
import { cliBin, secretYaml, timeProcess, writeBundle } from "./cli.js";
import { notMeasured, type Row } from "./report.js";
import { figure, interleaved, ratios } from "./stats.js";

const TARGET_RATIO = 1.5;
const nodeBin = join(repoRoot, "node_modules/node/bin/node");

/** The executable, built (or found in the cache) by the build the tests use. */
function singleExecutable(): string {
  return execFileSync(nodeBin, [join(repoRoot, "scripts/dist.ts"), "--cached"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

function kubesealBinary(): string {
  const paths = execFileSync("bash", [join(repoRoot, "scripts/build-go-tool.sh"), "sealed-secrets"], { encoding: "utf8" }).trim().split("\n");
  const kubeseal = paths.find((path) => path.endsWith("/kubeseal"));
  if (kubeseal === undefined) throw new Error("scripts/build-go-tool.sh sealed-secrets printed no kubeseal");
  return kubeseal;
}

export async function measureSingleExecutable(o: { cliRuns: number; profile: string | undefined }, progress: (line: string) => void): Promise<Row[]> {
  const id = "sea-single";
  const name = "5c. Single executable: seal one 10-key Secret offline, whole process";
  const target = `≤ ${TARGET_RATIO}× \`node -e 0\``;
  const dir = mkdtempSync(join(tmpdir(), "kubectl-seal-bench-sea-"));
  try {
    progress("single executable: building (or finding) it and kubeseal");
    const sea = singleExecutable();
    const kubeseal = kubesealBinary();
    const bundle = join(dir, "bundle.yaml");
    await writeBundle(bundle);
    const secret = join(dir, "secret.yaml");
    writeFileSync(secret, secretYaml("db", 10));
    const cert = join(dir, "cert.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:4096", "-nodes", "-keyout", join(dir, "key.pem"), "-out", cert, "-days", "30", "-subj", "/CN=sealed-secret/O=sealed-secret"], { stdio: "ignore" });
    // kubeseal reads a kubeconfig even offline (for the default namespace): an empty one, never the user's.
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");

    progress(`single executable: ${o.cliRuns} runs of each, interleaved`);
    const runs = await interleaved(o.cliRuns, {
      sea: () => timeProcess(sea, ["--keys", bundle, secret]),
      node: () => timeProcess(nodeBin, ["-e", "0"]),
      bin: () => timeProcess(cliBin, ["--keys", bundle, secret]),
      kubeseal: () => timeProcess(kubeseal, ["--cert", cert, "-f", secret, "-o", "yaml"], { KUBECONFIG: kubeconfig }),
    });
    if (o.profile !== undefined) await timeProcess(sea, ["--keys", bundle, secret], { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${o.profile}` });
    const result = figure(runs.sea, "ms");
    const toNode = figure(ratios(runs.sea, runs.node), "×");
    return [
      {
        id,
        measurement: name,
        result,
        reference: { what: "bare `node -e 0`", figure: figure(runs.node, "ms") },
        ratio: { what: "executable ÷ bare node", figure: toNode },
        target,
        met: toNode.median <= TARGET_RATIO,
      },
      {
        id: "sea-vs-kubeseal",
        measurement: "5d. Single executable against kubeseal --cert (same Secret, same run)",
        result,
        reference: { what: "kubeseal v0.40.0 --cert", figure: figure(runs.kubeseal, "ms") },
        ratio: { what: "executable ÷ kubeseal", figure: figure(ratios(runs.sea, runs.kubeseal), "×") },
        target: "–",
        informational: true,
      },
      {
        id: "sea-vs-launcher",
        measurement: "5e. bin/kubectl-seal (npm package) in the same run",
        result: figure(runs.bin, "ms"),
        reference: { what: "single executable", figure: result },
        ratio: { what: "launcher ÷ executable", figure: figure(ratios(runs.bin, runs.sea), "×") },
        target: "–",
        informational: true,
      },
    ];
  } catch (error) {
    return [notMeasured(id, name, target, `failed: ${String(error instanceof Error ? error.message : error)}`)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
