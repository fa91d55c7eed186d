// The single executable (`npm run dist`) alone in an empty folder, run by the real kubectl as the `kubectl seal`
// plugin with a clean environment (PATH: kubectl's folder and that folder only; no Node anywhere on it): offline
// keys, sealing and recovery (X25519 and post-quantum), scan --history, and the cluster commands against the
// control plane. The same commands through bin/kubectl-seal are covered by the other test files.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { SealedSecret } from "../../src/index.js";
import { cluster } from "../control-plane/cluster.ts";
import { makeRepo, type TempRepo } from "../unit/git-fixtures.js";
import { startController, stopAllControllers } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, kube, publishedBundle, uniqueName } from "./helpers/kube.js";
import { kubectlSeal, pluginOutput, type PluginRun } from "./helpers/plugin.js";
import { lonePluginDir } from "./helpers/single-executable.js";
import { ensureCrds } from "./keys-support.js";
import { TestValues } from "./requests-support.js";

const controllerNs = uniqueName("sea-ctl");
const appNs = uniqueName("sea-app");
const values = new TestValues();
const value = (): string => values.next();
const repos: TempRepo[] = [];
let pluginDir: string;

function repo(): TempRepo {
  const r = makeRepo();
  repos.push(r);
  return r;
}

/** `kubectl seal ...` running the single executable; fails with its output unless it exits with `expected`. */
async function seal(args: string[], cwd: string, expected = 0): Promise<PluginRun> {
  const run = await kubectlSeal(args, { cwd, pluginDir });
  if (run.code !== expected) throw new Error(`kubectl seal ${args[0] ?? ""} exited ${run.code}, not ${expected}:\n${run.stderr}\n${run.stdout}`);
  return run;
}

beforeAll(async () => {
  pluginDir = lonePluginDir();
  const k = kube(cluster().kubeconfig);
  await ensureCrds(k);
  for (const ns of [controllerNs, appNs]) await createNamespace(k, ns);
  await startController({ kubeconfig: cluster().kubeconfig, namespace: controllerNs, watchNamespaces: [appNs], args: ["--leader-elect", "false"] });
  await publishedBundle(k, controllerNs);
});

afterAll(async () => {
  await stopAllControllers();
  for (const r of repos.splice(0)) r.remove();
  rmSync(pluginDir, { recursive: true, force: true });
  assertNoneContain(pluginOutput, values.all);
});

describe("the single executable as the kubectl seal plugin", () => {
  it("has every command bin/kubectl-seal has (its registry is generated from commands/): the same help, word for word", async () => {
    const r = repo();
    for (const args of [["help"], ["keys", "--help"], ["--help"]]) {
      const [sea, launcher] = [await seal(args, r.dir), await kubectlSeal(args, { cwd: r.dir })];
      expect(sea.stdout).toContain("kubectl-seal");
      expect(sea.stdout).toBe(launcher.stdout);
    }
  });

  it.each([["X25519", []], ["post-quantum", ["--pq"]]])("makes %s keys, seals with them and recovers the Secret byte for byte, offline", async (_, pq) => {
    const r = repo();
    const generated = await seal(["keys", "generate", ...pq, "--out-identity", "id.txt", "--out-bundle", "bundle.yaml"], r.dir);
    expect(generated.stdout).toMatch(pq.length > 0 ? /^recipient: age1pq1/m : /^recipient: age1(?!pq1)/m);
    const password = value();
    await seal(["--keys", "bundle.yaml", "-n", appNs, "--name", "db", "--from-literal", `password=${password}`, "-w", "sealed.yaml"], r.dir);
    const sealed = parse(readFileSync(join(r.dir, "sealed.yaml"), "utf8")) as SealedSecret;
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(["password"]);
    // Outside the Git work tree: recover refuses to write plaintext where it could be committed.
    const out = mkdtempSync(join(tmpdir(), "kubectl-seal-sea-recovered-"));
    try {
      await seal(["recover", "sealed.yaml", "--identity", "id.txt", "-w", join(out, "recovered.yaml")], r.dir);
      expect(parse(readFileSync(join(out, "recovered.yaml"), "utf8"))).toMatchObject({ kind: "Secret", metadata: { name: "db", namespace: appNs }, data: { password: Buffer.from(password).toString("base64") } });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("reports bad input in one line with exit status 2, as bin/kubectl-seal does", async () => {
    const r = repo();
    const run = await seal(["--keys", "missing-bundle.yaml", "-n", appNs, "--name", "x", "--from-literal", `k=${value()}`], r.dir, 2);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^kubectl-seal: error: .*missing-bundle\.yaml/)]);
  });

  it("finds a plaintext Secret deleted from the tree in an old commit with scan --history", async () => {
    const r = repo();
    r.write("apps/db/secret.yaml", `apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\n  namespace: ${appNs}\nstringData:\n  password: ${value()}\n`);
    r.git("add", ".");
    r.git("commit", "-qm", "add the db secret");
    r.git("rm", "-q", "apps/db/secret.yaml");
    r.git("commit", "-qm", "remove it");
    expect((await seal(["scan"], r.dir)).stdout).not.toContain("apps/db/secret.yaml");
    const run = await seal(["scan", "--history"], r.dir, 1);
    expect(run.stdout).toContain("apps/db/secret.yaml");
    expect(run.stdout).toContain("leaked");
  });

  it("fetches and pins the cluster's keys, seals to them and has the controller verify the file", async () => {
    const r = repo();
    const fetched = await seal(["fetch-keys", "--cluster", "test", "--controller-namespace", controllerNs], r.dir);
    expect(fetched.stderr).toContain("Pinned cluster test");
    await seal(["--cluster", "test", "-n", appNs, "--name", "api", "--from-literal", `token=${value()}`, "-w", "api.yaml"], r.dir);
    const verified = await seal(["verify", "api.yaml", "--controller-namespace", controllerNs, "-o", "json"], r.dir);
    expect(JSON.parse(verified.stdout)).toMatchObject({ results: [{ object: `${appNs}/api`, ok: true }] });
  });
});
