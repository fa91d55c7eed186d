// 8. `kubectl seal scan --history` next to gitleaks v8.30.1 (`gitleaks git`, built by scripts/build-go-tool.sh) on
// the synthetic repository of bench/scan-history-repo.ts, at each size of --scan-commits: wall time and peak RSS of
// whole processes, run by run with the order alternating, and the recall of both (planted forms found, decoys
// reported). Peak RSS is getrusage(RUSAGE_CHILDREN) of a small python3 wrapper: the largest process of each tool's
// tree (node or our `git log` for us, gitleaks for gitleaks). The single executable (`npm run dist`, what krew
// users run) is measured in the same rounds, on a copy as an installer writes it (see singleExecutableCopy).
import { execFile, execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../test/integration/helpers/controller.js";
import { cliBin } from "./cli.js";
import { notMeasured, type Row } from "./report.js";
import { generateHistoryRepo, type HistoryRepo } from "./scan-history-repo.js";
import { figure, interleaved, ratios } from "./stats.js";

export interface ScanHistoryOptions {
  runs: number;
  scanCommits: number[];
  profile: string | undefined;
}

const TIME_TARGET = 2; // at most 2x gitleaks' time
const RSS_TARGET = 1; // no more memory than gitleaks

// Runs argv[2:] with stdout to argv[1], prints {"code", "seconds", "maxrssKiB"} (Linux reports ru_maxrss in KiB).
// CHILD_PATH, when set, is the PATH the command runs with (to run ours without git).
const MEASURE = `
import json, os, resource, subprocess, sys, time
env = dict(os.environ)
if "CHILD_PATH" in env:
    env["PATH"] = env.pop("CHILD_PATH")
with open(sys.argv[1], "wb") as out:
    start = time.monotonic()
    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env).returncode
    seconds = time.monotonic() - start
print(json.dumps({"code": code, "seconds": seconds, "maxrssKiB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
`;

interface Measured {
  seconds: number;
  rssMiB: number;
  output: string;
}

async function measure(command: string[], outFile: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const { stdout } = await promisify(execFile)("python3", ["-c", MEASURE, outFile, ...command], { cwd, env });
  const result = JSON.parse(stdout) as { code: number; seconds: number; maxrssKiB: number };
  // 0: nothing found, 1: findings (both tools); anything else is a failure.
  if (result.code !== 0 && result.code !== 1) throw new Error(`${command[0]?.split("/").pop()} exited with ${result.code}`);
  return { seconds: result.seconds, rssMiB: result.maxrssKiB / 1024, output: readFileSync(outFile, "utf8") };
}

/**
 * A copy of the single executable, built (or found in the cache) as the tests build it. A copy because the file as
 * the build writes it showed ~20 MiB more RSS here than any copy of it, byte for byte the same (Linux mapped its
 * page cache in larger pieces): an artefact of how it was written, not of the program, and not what an install
 * (krew unpacking an archive) leaves.
 */
function singleExecutableCopy(dir: string): string {
  const built = execFileSync(join(repoRoot, "node_modules/node/bin/node"), [join(repoRoot, "scripts/dist.ts"), "--cached"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  const copy = join(dir, "kubectl-seal");
  copyFileSync(built, copy);
  return copy;
}

function buildGitleaks(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [join(repoRoot, "scripts/build-go-tool.sh"), "gitleaks"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(out.trim().split("\n")[0] ?? "") : reject(new Error(`build-go-tool.sh gitleaks exited with ${code}`))));
  });
}

/** Planted forms a tool reported (any of a form's files), decoys it reported, and whether it printed a value. */
function recall(repo: HistoryRepo, paths: string[], output: string): { found: number; decoys: number; printedValue: boolean } {
  const reported = new Set(paths);
  return {
    found: repo.planted.filter((p) => p.files.some((file) => reported.has(file))).length,
    decoys: repo.decoys.filter((file) => reported.has(file)).length,
    printedValue: repo.values.some((value) => output.includes(value)),
  };
}

const oursPaths = (output: string): string[] => (JSON.parse(output) as { findings: Array<{ path: string }> }).findings.map((f) => f.path);
const gitleaksPaths = (output: string): string[] => (JSON.parse(output) as Array<{ File: string }>).map((f) => f.File);

async function measureSize(commits: number, isogit: boolean, tools: { gitleaks: string; sea: string }, o: ScanHistoryOptions, dir: string, progress: (line: string) => void): Promise<Row[]> {
  const size = commits.toLocaleString("en-US");
  progress(`scan-history: generating ${size} commits`);
  const started = Date.now();
  const repo = await generateHistoryRepo(join(dir, `repo-${commits}`), commits);
  progress(`scan-history: generated in ${((Date.now() - started) / 1000).toFixed(1)} s; ${o.runs} runs of each tool, order rotating`);
  const commands = {
    ours: [cliBin, "scan", "--history", "-o", "json"],
    sea: [tools.sea, "scan", "--history", "-o", "json"],
    gitleaks: [tools.gitleaks, "git", "--no-banner", "--redact", "--exit-code", "0", "--log-level", "error", "--report-format", "json", "--report-path", join(dir, "gitleaks-report.json"), repo.dir],
  };
  type Tool = keyof typeof commands;
  const last: Partial<Record<Tool, Measured>> = {};
  const seconds: Record<Tool, number[]> = { ours: [], sea: [], gitleaks: [] };
  const rssMiB: Record<Tool, number[]> = { ours: [], sea: [], gitleaks: [] };
  const run = async (tool: Tool): Promise<number> => {
    const measured = await measure(commands[tool], join(dir, `${tool}.json`), repo.dir);
    if (tool === "gitleaks") measured.output = readFileSync(join(dir, "gitleaks-report.json"), "utf8"); // its report file, not stdout
    last[tool] = measured;
    seconds[tool].push(measured.seconds);
    rssMiB[tool].push(measured.rssMiB);
    return measured.seconds;
  };
  await interleaved(o.runs, { ours: () => run("ours"), sea: () => run("sea"), gitleaks: () => run("gitleaks") });
  // interleaved() runs one discarded warm-up round first: drop it from the series.
  for (const series of [...Object.values(seconds), ...Object.values(rssMiB)]) series.shift();
  if (o.profile !== undefined) {
    mkdirSync(o.profile, { recursive: true });
    await measure(commands.ours, join(dir, "profile.json"), repo.dir, { ...process.env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${o.profile}` });
  }

  const rows: Row[] = [];
  if (isogit) {
    // The fallback engine (no git on PATH: isomorphic-git), once, next to a run with git: several times slower.
    progress(`scan-history: ${size} commits without git on PATH (isomorphic-git), once`);
    const noGit = join(dir, "no-git");
    mkdirSync(noGit, { recursive: true });
    symlinkSync("/bin/bash", join(noGit, "bash")); // bin/kubectl-seal is a bash script
    const fallback = await measure(commands.ours, join(dir, "isogit.json"), repo.dir, { ...process.env, CHILD_PATH: noGit });
    const withGit = (await measure(commands.ours, join(dir, "ours-again.json"), repo.dir)).seconds;
    rows.push({
      id: `scan-history-isogit-${commits}`,
      measurement: `8d. scan --history, ${size} commits, without git (isomorphic-git engine)`,
      result: figure([fallback.seconds], "s"),
      reference: { what: "with git (plumbing engine)", figure: figure([withGit], "s") },
      ratio: { what: "isomorphic-git ÷ git", figure: figure([fallback.seconds / withGit], "×") },
      target: "same findings (engine choice)",
      informational: true,
      note: `peak RSS ${fallback.rssMiB.toFixed(0)} MiB; findings ${oursPaths(fallback.output).length} (with git: ${oursPaths(last.ours!.output).length})`,
    });
  }

  const seaRss = figure(ratios(rssMiB.sea, rssMiB.gitleaks), "×");
  const seaFound = recall(repo, oursPaths(last.sea!.output), last.sea!.output);
  rows.push({
    id: `scan-history-sea-rss-${commits}`,
    measurement: `8e. scan --history, ${size} commits, single executable: peak RSS`,
    result: figure(rssMiB.sea, "MiB"),
    reference: { what: "gitleaks git", figure: figure(rssMiB.gitleaks, "MiB") },
    ratio: { what: "single executable ÷ gitleaks", figure: seaRss },
    target: "≤ gitleaks",
    met: seaRss.median <= RSS_TARGET,
    note: `time ${figure(seconds.sea, "s").median.toFixed(2)} s (median; ÷ gitleaks ${figure(ratios(seconds.sea, seconds.gitleaks), "×").median.toFixed(2)}×); planted forms found ${seaFound.found}`,
  });
  const ours = recall(repo, oursPaths(last.ours!.output), last.ours!.output);
  const theirs = recall(repo, gitleaksPaths(last.gitleaks!.output), last.gitleaks!.output);
  const total = repo.planted.length;
  const time = figure(ratios(seconds.ours, seconds.gitleaks), "×");
  const rss = figure(ratios(rssMiB.ours, rssMiB.gitleaks), "×");
  rows.unshift(
    {
      id: `scan-history-time-${commits}`,
      measurement: `8a. scan --history, ${size} commits: wall time, whole process`,
      result: figure(seconds.ours, "s"),
      reference: { what: "gitleaks git", figure: figure(seconds.gitleaks, "s") },
      ratio: { what: "ours ÷ gitleaks", figure: time },
      target: `≤ ${TIME_TARGET}× gitleaks`,
      met: time.median <= TIME_TARGET,
    },
    {
      id: `scan-history-rss-${commits}`,
      measurement: `8b. scan --history, ${size} commits: peak RSS`,
      result: figure(rssMiB.ours, "MiB"),
      reference: { what: "gitleaks git", figure: figure(rssMiB.gitleaks, "MiB") },
      ratio: { what: "ours ÷ gitleaks", figure: rss },
      target: "≤ gitleaks",
      met: rss.median <= RSS_TARGET,
    },
    {
      id: `scan-history-recall-${commits}`,
      measurement: `8c. scan --history, ${size} commits: planted Secrets found (of ${total})`,
      result: figure([ours.found], "found"),
      reference: { what: "gitleaks", figure: figure([theirs.found], "found") },
      target: `all ${total}, no decoy, no value printed`,
      met: ours.found === total && ours.decoys === 0 && !ours.printedValue,
      note:
        `decoys reported (SealedSecrets, placeholder, empty and Helm template Secrets): ours ${ours.decoys}, gitleaks ${theirs.decoys}; ` +
        `a planted value printed: ours ${ours.printedValue ? "yes" : "no"}, gitleaks (--redact) ${theirs.printedValue ? "yes" : "no"}`,
    },
  );
  return rows;
}

export async function measureScanHistory(o: ScanHistoryOptions, progress: (line: string) => void): Promise<Row[]> {
  const rowsFor = (commits: number, why: string): Row[] =>
    ["time", "rss", "recall"].map((what) => notMeasured(`scan-history-${what}-${commits}`, `8. scan --history, ${commits.toLocaleString("en-US")} commits (${what})`, "see BENCHMARKS.md", why));
  const dir = mkdtempSync(join(tmpdir(), "kubectl-seal-bench-scan-"));
  let tools: { gitleaks: string; sea: string };
  try {
    tools = { gitleaks: await buildGitleaks(), sea: singleExecutableCopy(dir) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return o.scanCommits.flatMap((n) => rowsFor(n, `gitleaks or the single executable could not be built: ${error instanceof Error ? error.message : String(error)}`));
  }
  try {
    const rows: Row[] = [];
    for (const commits of o.scanCommits) {
      try {
        // The slow fallback engine only at the smallest size.
        rows.push(...(await measureSize(commits, commits === Math.min(...o.scanCommits), tools, o, dir, progress)));
      } catch (error) {
        rows.push(...rowsFor(commits, `a run failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
