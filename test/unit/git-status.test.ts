import { afterEach, describe, expect, it } from "vitest";
import { findSealedFiles } from "../../src/git/sealed-files.js";
import { sealedStatus } from "../../src/git/status.js";
import { isolateGitConfig, makeRepo, type TempRepo } from "./git-fixtures.js";
import { SEALED_SECRET, secretManifests } from "./git-manifests.js";

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.remove();
});

function bundle(keys: Array<{ id: string; expires?: string; retired?: boolean }>): string {
  const lines = keys.map(
    (k) =>
      `  - {id: ${k.id}, type: x25519, recipient: age1${k.id}, created: "2026-01-01T00:00:00Z"` +
      `${k.expires ? `, expires: "${k.expires}"` : ""}${k.retired ? ", retired: true" : ""}}`,
  );
  return `apiVersion: seal.dev/v1alpha1\nkind: KeyBundle\nsigner: c2lnbmVy\nissued: "2026-11-01T00:00:00Z"\nsignature: c2ln\nkeys:\n${lines.join("\n")}\n`;
}

const multiSealed = `apiVersion: seal.dev/v1alpha1
kind: SealedSecret
metadata: {name: api, namespace: web}
spec:
  scope: namespace
  encryptedData: {token: YWdl, old: YWdl, cert: YWdl, nohint: YWdl}
  sealedTo: {token: [k1, k2], old: [k-gone], cert: [k-old]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-sealed}
`;

function fixture(): TempRepo {
  const repo = makeRepo();
  repos.push(repo);
  isolateGitConfig(repo);
  repo.write("apps/db/sealed.yaml", SEALED_SECRET);
  repo.write("apps/web/sealed.yaml", multiSealed);
  repo.write("apps/db/secret.yaml", secretManifests["apps/db/secret.yaml"]!);
  repo.write("build/sealed.yaml", SEALED_SECRET);
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
  });
});

describe("sealedStatus", () => {
  it("flags values sealed to key ids not in the bundle, retired or expired, and names the clusters", async () => {
    const repo = fixture();
    repo.write("prod-bundle.yaml", bundle([{ id: "k1" }, { id: "k2" }]));
    repo.write(
      ".seal/clusters.yaml",
      `clusters:\n  staging:\n    signer: c2lnbmVy\n    bundle:\n${bundle([{ id: "k2" }, { id: "k-old", expires: "2026-06-01T00:00:00Z" }])
        .split("\n")
        .map((line) => `      ${line}`)
        .join("\n")}\n  dev:\n    signer: c2lnbmVy\n`,
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
    expect(web.values.map((v) => `${v.key} ${v.state} [${v.sealedTo}] [${v.clusters}] [${v.problemKeys}]`)).toEqual([
      "cert expired-key [k-old] [staging] [k-old]",
      "nohint unrecorded [] [] []",
      "old unknown-key [k-gone] [] [k-gone]",
      `token ok [k1,k2] [${repo.dir}/prod-bundle.yaml,staging] []`,
    ]);
    const db = report.objects.find((o) => o.path === "apps/db/sealed.yaml")!;
    expect(db.values).toEqual([
      { key: "password", sealedTo: ["k1"], clusters: [`${repo.dir}/prod-bundle.yaml`], state: "ok", problemKeys: [] },
    ]);
  });

  it("says unchecked when no bundle is known, and flags retired keys", async () => {
    const repo = fixture();
    const unchecked = await sealedStatus({ target: repo.dir });
    expect(unchecked.objects.flatMap((o) => o.values.map((v) => v.state))).not.toContain("ok");
    expect(unchecked.objects[0]!.values[0]!.state).toBe("unchecked");

    repo.write("b.yaml", bundle([{ id: "k1", retired: true }]));
    const retired = await sealedStatus({ target: repo.dir, bundleFiles: [`${repo.dir}/b.yaml`] });
    expect(retired.objects[0]!.values[0]).toMatchObject({ key: "password", state: "retired-key", problemKeys: ["k1"] });
  });
});
