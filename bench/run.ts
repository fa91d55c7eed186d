// `npm run bench`: runs the measurements of issue 7, prints the table and writes bench/results/latest.{md,json}
// (and the table in BENCHMARKS.md). See BENCHMARKS.md for what each row measures.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { measureCli } from "./cli.js";
import { measureFairness } from "./fairness.js";
import { measureMemory } from "./memory.js";
import { withCluster } from "./cluster.js";
import { measureColdStart } from "./cold-start.js";
import { measureMigrate } from "./migrate.js";
import { measurePod } from "./pod.js";
import { measureReencrypt } from "./reencrypt.js";
import { measureScanHistory } from "./scan-history.js";
import { measureSingleExecutable } from "./single-executable.js";
import { markdownTable, newReport, updateBenchmarksMd, writeResults, type Row } from "./report.js";
import { repoRoot } from "../test/integration/helpers/controller.js";
import { measureSteadyState } from "./steady.js";
import { measureUnseal } from "./unseal.js";

const GROUPS = ["unseal", "cold-start", "steady", "cli", "single-executable", "reencrypt", "fairness", "migrate", "scan-history", "memory", "pod"] as const;
type Group = (typeof GROUPS)[number];
/** `pod` starts the real node and takes minutes at N=10,000: only on request (--only pod). */
const DEFAULT_GROUPS = GROUPS.filter((g) => g !== "pod");

const USAGE = `Usage: npm run bench -- [flags]
  --only LIST            measurements to run, comma-separated: ${GROUPS.join(", ")} (default all but pod)
  --n LIST               SealedSecrets for the controller cold start, comma-separated (default 2000; e.g. 2000,10000)
  --memory-n LIST        SealedSecrets for the cold start in the Deployment's memory limit (cgroup), once each (default 10000,20000)
  --runs N               repeated runs behind every median (default 3)
  --slice-ms MS          unseal: time per contender per run (default 500)
  --bitnami-defaults-n N cold start: the one size at which Bitnami's controller also runs at its defaults (default 200;
                         0: never). Its client makes 5 requests/s there: 2,000 objects took it 20 minutes
  --rate N               steady state: SealedSecrets created per second (default 50)
  --seconds S            steady state: how long to create them (default 60)
  --workers N            controller --workers (default: the controller's default); the floor uses the same concurrency
  --cli-runs N           CLI: whole-process runs of the single seal (default 20)
  --files N              CLI: Secret files in the folder sealed in one invocation (default 1000)
  --repo-files N         reencrypt, migrate: sealed files in the repository (default 500)
  --pod-n N              pod: SealedSecrets for the controller as a Pod on the test node (default 10000)
  --scan-commits LIST    scan-history: commits of the generated repositories, comma-separated (default 2000,20000)
  --flood N              fairness: poisoned SealedSecrets another namespace floods the controller with (default 1000)
  --kubeconfig PATH      use this cluster (admin) instead of starting a local control plane; needs --kubectl
  --kubectl PATH         kubectl for --kubeconfig
  --controller-node-options S  NODE_OPTIONS for the controller (default: the value in manifests/deployment.yaml)
  --profile DIR          write CPU profiles (node --cpu-prof) of the controller and the CLI to DIR
  --out DIR              results folder (default bench/results; BENCHMARKS.md is updated only for the default)`;

export interface BenchOptions {
  only: Group[];
  n: number[];
  memoryN: number[];
  bitnamiDefaultsN: number;
  runs: number;
  sliceMs: number;
  rate: number;
  seconds: number;
  workers: number | undefined;
  cliRuns: number;
  files: number;
  repoFiles: number;
  podN: number;
  scanCommits: number[];
  flood: number;
  kubeconfig: string | undefined;
  kubectl: string | undefined;
  profile: string | undefined;
  controllerNodeOptions: string | undefined;
  out: string;
}

function positive(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag}: "${text}" is not a whole number of at least 1`);
  return value;
}

function parseOptions(argv: string[]): BenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: Object.fromEntries(
      ["help", "only", "n", "bitnami-defaults-n", "runs", "slice-ms", "rate", "seconds", "workers", "cli-runs", "files", "repo-files", "memory-n", "pod-n", "scan-commits", "flood", "kubeconfig", "kubectl", "profile", "controller-node-options", "out"].map(
        (name) => [name, { type: name === "help" ? ("boolean" as const) : ("string" as const) }],
      ),
    ),
  });
  if (values["help"] === true) return "help";
  const get = (name: string): string | undefined => values[name] as string | undefined;
  const only = (get("only") ?? DEFAULT_GROUPS.join(",")).split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const group of only) {
    if (!(GROUPS as readonly string[]).includes(group)) throw new Error(`--only: unknown measurement "${group}": use ${GROUPS.join(", ")}`);
  }
  if ((get("kubeconfig") === undefined) !== (get("kubectl") === undefined)) throw new Error("--kubeconfig and --kubectl go together");
  return {
    only: only as Group[],
    n: (get("n") ?? "2000").split(",").map((s) => positive(s.trim(), 0, "n")),
    memoryN: (get("memory-n") ?? "10000,20000").split(",").map((s) => positive(s.trim(), 0, "memory-n")),
    bitnamiDefaultsN: get("bitnami-defaults-n") === "0" ? 0 : positive(get("bitnami-defaults-n"), 200, "bitnami-defaults-n"),
    runs: positive(get("runs"), 3, "runs"),
    sliceMs: positive(get("slice-ms"), 500, "slice-ms"),
    rate: positive(get("rate"), 50, "rate"),
    seconds: positive(get("seconds"), 60, "seconds"),
    workers: get("workers") === undefined ? undefined : positive(get("workers"), 2, "workers"),
    cliRuns: positive(get("cli-runs"), 20, "cli-runs"),
    files: positive(get("files"), 1000, "files"),
    repoFiles: positive(get("repo-files"), 500, "repo-files"),
    podN: positive(get("pod-n"), 10_000, "pod-n"),
    scanCommits: (get("scan-commits") ?? "2000,20000").split(",").map((s) => positive(s.trim(), 0, "scan-commits")),
    flood: positive(get("flood"), 1000, "flood"),
    kubeconfig: get("kubeconfig"),
    kubectl: get("kubectl"),
    profile: get("profile") === undefined ? undefined : resolve(get("profile") ?? ""),
    controllerNodeOptions: get("controller-node-options"),
    out: resolve(get("out") ?? `${repoRoot}/bench/results`),
  };
}

function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function main(): Promise<void> {
  let parsed: BenchOptions | "help";
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (parsed === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = parsed;
  const args = process.argv.slice(2);
  const report = newReport(`npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`, { ...options });
  const wants = (group: Group) => options.only.includes(group);
  const add = (rows: Row[]) => {
    report.rows.push(...rows);
    for (const row of rows) progress(`${row.measurement}: ${row.informational === true ? "reported" : row.met === undefined ? (row.note ?? "") : row.met ? "met" : "MISSED"}`);
  };

  if (wants("unseal")) add(await measureUnseal(options, progress));
  if (wants("cli")) add(await measureCli(options, progress));
  if (wants("scan-history")) add(await measureScanHistory(options, progress));
  if (wants("single-executable")) add(await measureSingleExecutable(options, progress));
  const offline = new Set<Group>(["unseal", "cli", "scan-history", "single-executable"]);
  const clusterGroups = GROUPS.filter((g) => !offline.has(g) && wants(g));
  if (clusterGroups.length > 0) {
    await withCluster(options, progress, async (cluster) => {
      if (wants("cold-start")) add(await measureColdStart(cluster, options, progress));
      if (wants("steady")) add(await measureSteadyState(cluster, options, progress));
      if (wants("reencrypt")) add(await measureReencrypt(cluster, options, progress));
      if (wants("fairness")) add(await measureFairness(cluster, options, progress));
      if (wants("migrate")) add(await measureMigrate(cluster, options, progress));
      if (wants("memory")) add(await measureMemory(cluster, options, progress));
      if (wants("pod")) add(await measurePod(cluster, options, progress));
    });
  }

  const written = writeResults(report, options.out);
  if (options.out === resolve(`${repoRoot}/bench/results`)) updateBenchmarksMd(`${repoRoot}/BENCHMARKS.md`, report);
  process.stdout.write(markdownTable(report));
  progress(`results: ${written.markdown}, ${written.json}`);
  // Watches and keep-alive sockets of the clients would keep the process alive.
  process.exit(0);
}

await main();
