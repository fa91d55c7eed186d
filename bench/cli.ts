// 5. The CLI as a user runs it, whole process: `bin/kubectl-seal --keys bundle.yaml secret.yaml` for one 10-key
// Secret (next to a bare `node -e 0` of the same Node, the start-up floor, run by run), and one invocation sealing a
// folder of Secret files. The bundle is what a cluster publishes: an X25519 and a post-quantum key, so the
// post-quantum one is sealed to.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { generateKey, generateSigner, publicKeyOf, signBundle } from "../src/index.js";
import { repoRoot } from "../test/integration/helpers/controller.js";
import { notMeasured, type Row } from "./report.js";
import { figure, interleaved, ratios } from "./stats.js";

export interface CliOptions {
  runs: number;
  cliRuns: number;
  files: number;
  profile: string | undefined;
}

const SINGLE_TARGET_MS = 150;
const FOLDER_TARGET_S = 3;
const nodeBin = join(repoRoot, "node_modules/node/bin/node");
export const cliBin = join(repoRoot, "bin/kubectl-seal");

/** Wall time of one process in ms; throws with its first stderr line if it fails. */
export function timeProcess(command: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env }, ...(cwd === undefined ? {} : { cwd }) });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command.split("/").pop()} ${args[0] ?? ""} exited with ${code}: ${stderr.trim().split("\n").slice(0, 2).join(" / ")}`));
    });
  });
}

export function secretYaml(name: string, keys: number): string {
  const data = Object.fromEntries(Array.from({ length: keys }, (_, i) => [`key-${i}`, Buffer.from(`value-${i}-${name}-${"z".repeat(20)}`).toString("base64")]));
  return stringify({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "shop" }, type: "Opaque", data });
}

/** A signed bundle with one key of each type, as a cluster publishes it (made with the library). */
export async function writeBundle(path: string): Promise<void> {
  const keys = [await generateKey("mlkem768x25519"), await generateKey("x25519")].map(publicKeyOf);
  writeFileSync(path, stringify(signBundle(keys, generateSigner().secretKey)));
}

export async function measureCli(o: CliOptions, progress: (line: string) => void): Promise<Row[]> {
  const singleId = "cli-single";
  const singleName = "5a. CLI: seal one 10-key Secret offline, whole process";
  const folderName = `5b. CLI: seal a folder of ${o.files.toLocaleString("en-US")} Secret files, one invocation`;
  const singleTarget = `< ${SINGLE_TARGET_MS} ms`;
  const folderTarget = `< ${FOLDER_TARGET_S} s`;
  if (!existsSync(cliBin)) {
    return [notMeasured(singleId, singleName, singleTarget, "command missing (bin/kubectl-seal)"), notMeasured("cli-folder", folderName, folderTarget, "command missing (bin/kubectl-seal)")];
  }
  const dir = mkdtempSync(join(tmpdir(), "kubectl-seal-bench-cli-"));
  try {
    const bundle = join(dir, "bundle.yaml");
    await writeBundle(bundle);
    const secret = join(dir, "secret.yaml");
    writeFileSync(secret, secretYaml("db", 10));
    const folder = join(dir, "secrets");
    mkdirSync(folder);
    for (let i = 0; i < o.files; i++) writeFileSync(join(folder, `secret-${i}.yaml`), secretYaml(`app-${i}`, 2));
    const rows: Row[] = [];

    try {
      progress(`cli: ${o.cliRuns} single seals next to bare node start-ups`);
      const single = await interleaved(o.cliRuns, {
        cli: () => timeProcess(cliBin, ["--keys", bundle, secret]),
        node: () => timeProcess(nodeBin, ["-e", "0"]),
      });
      const result = figure(single.cli, "ms");
      rows.push({
        id: singleId,
        measurement: singleName,
        result,
        reference: { what: "bare `node -e 0`", figure: figure(single.node, "ms") },
        ratio: { what: "CLI ÷ bare node", figure: figure(ratios(single.cli, single.node), "×") },
        target: singleTarget,
        met: result.median < SINGLE_TARGET_MS,
      });
    } catch (error) {
      rows.push(notMeasured(singleId, singleName, singleTarget, `the command failed: ${String(error instanceof Error ? error.message : error)}`));
    }

    try {
      progress(`cli: sealing a folder of ${o.files} files, ${o.runs} runs`);
      const folderRuns: number[] = [];
      for (let run = 0; run < o.runs; run++) folderRuns.push(await timeProcess(cliBin, ["--keys", bundle, folder]));
      const result = figure(folderRuns.map((ms) => ms / 1000), "s");
      rows.push({ id: "cli-folder", measurement: folderName, result, target: folderTarget, met: result.median < FOLDER_TARGET_S });
    } catch (error) {
      rows.push(notMeasured("cli-folder", folderName, folderTarget, `the command failed: ${String(error instanceof Error ? error.message : error)}`));
    }

    if (o.profile !== undefined) {
      mkdirSync(o.profile, { recursive: true });
      const env = { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${o.profile}` };
      await timeProcess(cliBin, ["--keys", bundle, secret], env).catch(() => 0);
      await timeProcess(cliBin, ["--keys", bundle, folder], env).catch(() => 0);
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
