// Coming from kubeseal, as a real process: kubeseal's spellings (--cert, --format, --scope namespace-wide /
// cluster-wide) seal exactly as kubectl-seal's own, on the fast path and through oclif; `migrate --dry-run` lists
// the Bitnami SealedSecrets of given files without a cluster; bad input is one line.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseManifests, sealedSecretFromManifest, unseal, type PrivateKey } from "../../src/index.js";
import { CANARIES, expectErrorLine, expectNoCanary, keySet, kubectlSeal, secretYaml, workdir, type Workdir } from "./cli-fixtures.js";

let dir: Workdir;
let keys: { key: PrivateKey; identity: string; bundle: string };
beforeEach(async () => {
  dir = workdir();
  keys = await keySet(dir);
});
afterEach(() => dir.remove());

describe("kubeseal's flag spellings", () => {
  it.each([
    ["fast path", [], "namespace-wide", "namespace"],
    ["oclif", ["seal"], "cluster-wide", "cluster"],
  ])("--cert, --format and --scope work as --keys, -o and --scope (%s)", async (_path, prefix, kubesealScope, scope) => {
    const file = dir.write("secret.yaml", secretYaml());
    const run = kubectlSeal([...prefix, "--cert", keys.bundle, "--format", "json", "--scope", kubesealScope, file]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith("{")).toBe(true);
    const [sealed] = parseManifests(run.stdout, "out").map((doc) => sealedSecretFromManifest(doc, "out"));
    expect(sealed?.spec.scope).toBe(scope);
    const { secret } = await unseal(sealed!, [keys.key]);
    expect(new TextDecoder().decode(secret.data["password"])).toBe(CANARIES[0]);
    expectNoCanary(run);
  });

  it("still refuses a scope neither spells", () => {
    const run = kubectlSeal(["--cert", keys.bundle, "--scope", "namespace-ish", dir.write("secret.yaml", secretYaml())]);
    expectErrorLine(run, '--scope: unknown scope "namespace-ish": use one of strict, namespace, cluster');
  });
});

describe("kubectl seal migrate --dry-run", () => {
  const bitnami = (name: string, annotations = ""): string =>
    `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: ${name}\n  namespace: shop\n${annotations}spec:\n  encryptedData:\n    password: QUFBQQ==\n    user: QUFBQQ==\n`;

  it("lists each Bitnami SealedSecret with its scope mapping, and what cannot move", () => {
    const a = dir.write("a.yaml", bitnami("db"));
    const b = dir.write("b.yaml", `${bitnami("api", "  annotations: {sealedsecrets.bitnami.com/cluster-wide: \"true\"}\n")}---\n${bitnami("t").replace("spec:\n", "spec:\n  template: {data: {url: x}}\n")}`);
    const run = kubectlSeal(["migrate", "--dry-run", a, b], { cwd: dir.dir });
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^FILE\s+SECRET\s+STATE\s+SCOPE\s+VALUES\s+MESSAGE$/);
    expect(lines[1]).toMatch(/a\.yaml\s+shop\/db\s+bitnami-sealed\s+strict -> strict\s+password, user/);
    expect(lines[2]).toMatch(/b\.yaml#0\s+shop\/api\s+bitnami-sealed\s+cluster-wide -> cluster\s+password, user/);
    expect(lines[3]).toMatch(/b\.yaml#1\s+shop\/t\s+FAILED\s+.*spec\.template\.data/);
    expect(run.stderr).toContain("3 Bitnami SealedSecret(s) in 2 file(s) still to migrate.");
    expect(dir.read("a.yaml")).toBe(bitnami("db"));
  });

  it("refuses a file without Bitnami SealedSecrets, and no arguments, in one line", () => {
    const plain = dir.write("plain.yaml", secretYaml());
    expectErrorLine(kubectlSeal(["migrate", "--dry-run", plain]), `${plain} holds no bitnami.com/v1alpha1 SealedSecret: pass files written by kubeseal, or use --all`);
    expectErrorLine(kubectlSeal(["migrate", "--dry-run"]), "no sealed files given: pass FILE... or --all");
  });
});
