// `kubectl seal migrate --dry-run` as a real process: lists the Bitnami SealedSecrets of given files, their scope
// mapping and what cannot move, without a cluster and without touching the files; bad input is one line.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectErrorLine, kubectlSeal, secretYaml, workdir, type Workdir } from "./cli-fixtures.js";

let dir: Workdir;
beforeEach(() => {
  dir = workdir();
});
afterEach(() => dir.remove());

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
