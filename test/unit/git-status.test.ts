import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { generateKey, generateSigner, publicKeyOf, signBundle, type PrivateKey, type Signer } from "../../src/index.js";
import { findSealedFiles } from "../../src/git/sealed-files.js";
import { sealedStatus } from "../../src/git/status.js";
import { isolateGitConfig, makeRepo, type TempRepo } from "./git-fixtures.js";
import { secretManifests } from "./git-manifests.js";

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.remove();
});

let prod: Signer;
let staging: Signer;
let current: PrivateKey;
let shared: PrivateKey;
let old: PrivateKey;
beforeAll(async () => {
  [prod, staging] = [generateSigner(), generateSigner()];
  current = await generateKey("x25519");
  shared = await generateKey("x25519");
  old = await generateKey("x25519", { now: new Date("2026-01-01T00:00:00Z"), lifetimeDays: 30 });
});

const bundleYaml = (signer: Signer, keys: PrivateKey[]) => stringify(signBundle(keys.map(publicKeyOf), signer.secretKey));

function sealedYaml(name: string, sealedTo: Record<string, string[]>, extraValues: string[] = []): string {
  const encryptedData = Object.fromEntries([...Object.keys(sealedTo), ...extraValues].map((key) => [key, "YWdl"]));
  return stringify({
    apiVersion: "seal.dev/v1alpha1",
    kind: "SealedSecret",
    metadata: { name, namespace: "web" },
    spec: { scope: "namespace", encryptedData, sealedTo },
  });
}

function fixture(): TempRepo {
  const repo = makeRepo();
  repos.push(repo);
  isolateGitConfig(repo);
  repo.write("apps/db/sealed.yaml", sealedYaml("db", { password: [current.id] }));
  repo.write(
    "apps/web/sealed.yaml",
    `${sealedYaml("api", { token: [current.id, shared.id], old: ["k-gone"], cert: [old.id] }, ["nohint"])}---\n` +
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-sealed}\n",
  );
  repo.write("apps/db/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
  repo.write("build/sealed.yaml", sealedYaml("ignored", { x: [current.id] }));
  repo.write(".gitignore", "build/\n");
  return repo;
}

describe("findSealedFiles", () => {
  it("yields every file holding a SealedSecret, with its documents, skipping ignored files", async () => {
    const repo = fixture();
    const files = [];
    for await (const file of findSealedFiles(repo.dir)) files.push(file);
    expect(files.map((f) => `${f.path}:${f.documents.map((d) => d.document).join(",")}`)).toEqual([
      "apps/db/sealed.yaml:0",
      "apps/web/sealed.yaml:0",
    ]);
    expect(files[1]!.documents[0]!.sealed.metadata.name).toBe("api");
    expect(files[1]!.text).toContain("kind: ConfigMap");
  });
});

describe("sealedStatus", () => {
  it("flags values sealed to unknown, expired or retired keys and names the clusters holding each key", async () => {
    const repo = fixture();
    repo.write("prod-bundle.yaml", bundleYaml(prod, [current, shared]));
    repo.write(".seal/staging-bundle.yaml", bundleYaml(staging, [shared, old]));
    repo.write(
      ".seal/clusters.yaml",
      stringify({
        clusters: {
          staging: { signer: staging.publicKey, bundle: ".seal/staging-bundle.yaml" },
          dev: { signer: prod.publicKey },
        },
      }),
    );
    const report = await sealedStatus({
      target: repo.dir,
      bundleFiles: [`${repo.dir}/prod-bundle.yaml`],
      now: new Date("2026-11-25T00:00:00Z"),
    });
    expect(report.bundles.map((b) => `${b.source.replace(repo.dir, "")}=${b.keys}`)).toEqual([
      "/prod-bundle.yaml=2",
      "staging=2",
    ]);
    expect(report.pinnedWithoutBundle).toEqual(["dev"]);
    const web = report.objects.find((o) => o.name === "api")!;
    expect(web.scope).toBe("namespace");
    const prodName = `${repo.dir}/prod-bundle.yaml`;
    expect(web.values.map((v) => [v.key, v.state, v.sealedTo, v.clusters, v.problemKeys])).toEqual([
      ["cert", "expired-key", [old.id], ["staging"], [old.id]],
      ["nohint", "unrecorded", [], [], []],
      ["old", "unknown-key", ["k-gone"], [], ["k-gone"]],
      ["token", "ok", [current.id, shared.id], [prodName, "staging"], []],
    ]);
    const db = report.objects.find((o) => o.path === "apps/db/sealed.yaml")!;
    expect(db.values).toEqual([
      { key: "password", sealedTo: [current.id], clusters: [prodName], state: "ok", problemKeys: [] },
    ]);
  });

  it("says unchecked without bundles, flags keys a pinned cluster lists as retired", async () => {
    const repo = fixture();
    const unchecked = await sealedStatus({ target: repo.dir });
    expect(new Set(unchecked.objects.flatMap((o) => o.values.map((v) => v.state)))).toEqual(
      new Set(["unchecked", "unrecorded"]),
    );

    repo.write(
      ".seal/clusters.yaml",
      stringify({ prod: { signer: prod.publicKey, bundle: "b.yaml", retired: [current.id] } }),
    );
    repo.write("b.yaml", bundleYaml(prod, [current]));
    const retired = await sealedStatus({ target: repo.dir });
    const db = retired.objects.find((o) => o.name === "db")!;
    expect(db.values[0]).toMatchObject({ key: "password", state: "retired-key", problemKeys: [current.id] });
  });

  it("does not trust a pinned cluster's bundle signed by another identity, and refuses a tampered --keys file", async () => {
    const repo = fixture();
    repo.write("b.yaml", bundleYaml(staging, [current]));
    repo.write(".seal/clusters.yaml", stringify({ clusters: { prod: { signer: prod.publicKey, bundle: "b.yaml" } } }));
    const report = await sealedStatus({ target: repo.dir });
    expect(report.untrustedClusters).toEqual([{ cluster: "prod", reason: expect.stringMatching(/not by the pinned/) }]);
    expect(report.bundles).toEqual([]);

    repo.write("tampered.yaml", bundleYaml(prod, [current]).replace(current.created, "2020-01-01T00:00:00Z"));
    await expect(sealedStatus({ target: repo.dir, bundleFiles: [`${repo.dir}/tampered.yaml`] })).rejects.toThrow(
      /tampered\.yaml: key bundle signed by SHA256:\S+ has an invalid signature/,
    );
  });
});
