// Helm, built from its pinned Go module (test/tools/helm) by scripts/build-go-tool.sh into the shared cache, and
// run with private config, cache and data folders: nothing is read from or written to the user's ~/.config/helm.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { cluster } from "../../control-plane/cluster.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
export const CHART = join(ROOT, "charts/kubectl-seal");

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Helm {
  (args: string[]): Run;
  /** `helm template` of the chart as release kubectl-seal in `namespace`, CRDs included, parsed. */
  template(values: string[], namespace?: string): KubeObject[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Builds helm once (the cache makes later calls instant) and returns a runner for it. */
export function helm(): Helm {
  const binary = execFileSync("bash", [join(ROOT, "scripts/build-go-tool.sh"), "helm"], { encoding: "utf8" }).trim();
  const home = mkdtempSync(join(cluster().dir, "helm-"));
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_DATA_HOME: join(home, "data"),
  };
  const run = (args: string[]): Run => {
    const result = spawnSync(binary, args, { cwd: ROOT, env, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  return Object.assign(run, {
    template(values: string[], namespace = "kubectl-seal"): KubeObject[] {
      const result = run(["template", "kubectl-seal", CHART, "--namespace", namespace, "--include-crds", ...values]);
      if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
      return parseObjects(result.stdout);
    },
  });
}

/** The objects of a multi-document YAML stream (empty documents dropped), sorted by kind, namespace and name. */
export function parseObjects(yaml: string): KubeObject[] {
  const objects = parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
  const key = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  return objects.sort((a, b) => key(a).localeCompare(key(b)));
}
