// 6. Re-encryption of a Git repository of sealed files after a key rotation, through the controller, end to end
// including the Git commit: `kubectl seal reencrypt --all --commit`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../test/integration/helpers/controller.js";
import type { BenchCluster } from "./cluster.js";
import { notMeasured, type Row } from "./report.js";

export interface ReencryptOptions {
  runs: number;
  repoFiles: number;
}

const TARGET = "< 10 s";

export async function measureReencrypt(_cluster: BenchCluster, o: ReencryptOptions, _progress: (line: string) => void): Promise<Row[]> {
  const measurement = `6. Reencrypt ${o.repoFiles} sealed files after a rotation, incl. Git commit`;
  if (!existsSync(join(repoRoot, "dist/commands/reencrypt.js"))) {
    return [notMeasured("reencrypt", measurement, TARGET, "command missing (kubectl seal reencrypt)")];
  }
  return [notMeasured("reencrypt", measurement, TARGET, "command exists but the benchmark does not drive it yet")];
}
