// `kubectl seal` (the real kubectl running the plugin from PATH) getting keys from clusters: the first fetch pins
// the cluster's identity in .seal/clusters.yaml, a bundle signed by another identity is refused naming both
// fingerprints, and one file sealed for two pinned clusters (two controllers in two namespaces of this control
// plane) is unsealed by each.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { fingerprintOf, type KeyBundle, type SealedSecret } from "../../src/index.js";
import { readPinnedClusters } from "../../src/git/known-keys.js";
import { cluster } from "../control-plane/cluster.ts";
import { makeRepo, type TempRepo } from "../unit/git-fixtures.js";
import { startController, stopAllControllers, type ControllerProcess } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, createSealed, decodedData, getSecret, kube, publishedBundle, uniqueName, type Kube } from "./helpers/kube.js";
import { kubectlSeal, kubectlSealOk, pluginOutput } from "./helpers/plugin.js";
import { waitFor } from "./helpers/wait.js";
import { ensureCrds } from "./keys-support.js";

let k: Kube;
const [ctlProd, ctlStaging] = [uniqueName("cli-prod"), uniqueName("cli-staging")];
const [appProd, appStaging] = [uniqueName("cli-app-prod"), uniqueName("cli-app-staging")];
const controllers: ControllerProcess[] = [];
const repos: TempRepo[] = [];
const values: string[] = [];
let prod: KeyBundle;
let staging: KeyBundle;

function value(): string {
  const v = `v-${randomBytes(12).toString("hex")}`;
  values.push(v);
  return v;
}

function repo(): TempRepo {
  const r = makeRepo();
  repos.push(r);
  return r;
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrds(k);
  for (const ns of [ctlProd, ctlStaging, appProd, appStaging]) await createNamespace(k, ns);
  for (const [namespace, watched] of [[ctlProd, appProd], [ctlStaging, appStaging]] as const) {
    controllers.push(await startController({ kubeconfig: cluster().kubeconfig, namespace, watchNamespaces: [watched], args: ["--leader-elect", "false"], name: namespace }));
  }
  [prod, staging] = await Promise.all([publishedBundle(k, ctlProd), publishedBundle(k, ctlStaging)]);
});

afterAll(async () => {
  await stopAllControllers();
  for (const r of repos.splice(0)) r.remove();
  assertNoneContain({ ...pluginOutput, ...Object.fromEntries(controllers.map((c) => [c.name, c.output()])) }, values);
});

describe("keys from the cluster", () => {
  it("pins the cluster on first fetch and refuses a bundle signed by another identity, naming both fingerprints", async () => {
    const r = repo();
    const first = await kubectlSealOk(["fetch-keys", "--cluster", "prod", "--controller-namespace", ctlProd], { cwd: r.dir });
    expect(first.stderr).toContain(`Pinned cluster prod (identity ${fingerprintOf(prod.signer)}) in .seal/clusters.yaml`);
    for (const key of prod.keys) expect(first.stdout).toContain(key.id);
    const [pin] = readPinnedClusters(r.dir);
    expect(pin).toMatchObject({ name: "prod", signer: prod.signer, context: "admin", controllerNamespace: ctlProd, keyIds: prod.keys.map((key) => key.id) });

    const again = await kubectlSealOk(["fetch-keys", "--cluster", "prod", "--controller-namespace", ctlProd, "-w", "prod-bundle.yaml"], { cwd: r.dir });
    expect(again.stderr).toContain("The pinned bundle of cluster prod in .seal/clusters.yaml is up to date.");
    expect(parse(readFileSync(join(r.dir, "prod-bundle.yaml"), "utf8"))).toEqual(prod);

    // The "prod" name now answered by another identity (the staging controller): refused, pin untouched.
    const before = readFileSync(join(r.dir, ".seal/clusters.yaml"), "utf8");
    const changed = await kubectlSeal(["fetch-keys", "--cluster", "prod", "--controller-namespace", ctlStaging], { cwd: r.dir });
    expect(changed.code).toBe(2);
    expect(changed.stderr.trim().split("\n")).toEqual([
      expect.stringContaining(`kubectl-seal: error: cluster prod: key bundle is signed by ${fingerprintOf(staging.signer)}, not by the pinned ${fingerprintOf(prod.signer)}`),
    ]);
    expect(changed.stderr).toContain("--cluster prod --repin");
    expect(readFileSync(join(r.dir, ".seal/clusters.yaml"), "utf8")).toBe(before);

    // Sealing from the current context finds that pin by context and controller namespace: no second pin.
    const sealed = await kubectlSealOk(["-n", appProd, "--name", "x", "--from-literal", `k=${value()}`, "--controller-namespace", ctlProd], { cwd: r.dir });
    expect(sealed.stderr).not.toContain("Pinned");
    expect(readPinnedClusters(r.dir).map((p) => p.name)).toEqual(["prod"]);
  });

  it("seals without --keys to the current context's bundle, pinning it on first use", async () => {
    const r = repo();
    const run = await kubectlSealOk(["-n", appProd, "--name", "ctx", "--from-literal", `token=${value()}`, "--controller-namespace", ctlProd], { cwd: r.dir });
    expect(run.stderr).toContain(`Pinned cluster admin (identity ${fingerprintOf(prod.signer)})`);
    const doc = parse(run.stdout) as SealedSecret;
    expect(new Set(doc.spec.sealedTo?.["token"])).toEqual(new Set(idsOfOneType(prod)));
    expect(readPinnedClusters(r.dir).map((p) => [p.name, p.signer])).toEqual([["admin", prod.signer]]);
  });

  it("seals one file for two pinned clusters (--cluster twice, offline) that each cluster's controller unseals", async () => {
    const r = repo();
    await kubectlSealOk(["fetch-keys", "--cluster", "prod", "--controller-namespace", ctlProd], { cwd: r.dir });
    await kubectlSealOk(["fetch-keys", "--cluster", "staging", "--controller-namespace", ctlStaging], { cwd: r.dir });
    const password = value();
    // --kubeconfig pointing nowhere: --cluster must not contact any cluster.
    await kubectlSealOk(
      ["--cluster", "prod", "--cluster", "staging", "--scope", "cluster", "-n", appProd, "--name", "db", "--from-literal", `password=${password}`, "-w", "db.yaml"],
      { cwd: r.dir, env: { KUBECONFIG: join(r.dir, "no-such-kubeconfig") } },
    );
    const sealed = parse(readFileSync(join(r.dir, "db.yaml"), "utf8")) as SealedSecret;
    expect(new Set(sealed.spec.sealedTo?.["password"])).toEqual(new Set([...idsOfOneType(prod), ...idsOfOneType(staging)]));

    // Cluster scope: the same object is valid in either cluster's namespace.
    await createSealed(k, sealed);
    await createSealed(k, { ...sealed, metadata: { ...sealed.metadata, namespace: appStaging } });
    for (const namespace of [appProd, appStaging]) {
      const secret = await waitFor(() => getSecret(k, namespace, "db"), { what: `Secret ${namespace}/db` });
      expect(decodedData(secret)).toEqual({ password });
    }
    expect(stringify(sealed)).not.toContain(password);
  });
});

describe("requests nobody answers", () => {
  it("give up after --timeout with one line saying what to check, and leave no request behind", async () => {
    const r = repo();
    const unwatched = uniqueName("cli-unwatched");
    await createNamespace(k, unwatched);
    await kubectlSealOk(["fetch-keys", "--cluster", "prod", "--controller-namespace", ctlProd], { cwd: r.dir });
    await kubectlSealOk(["--cluster", "prod", "-n", unwatched, "--name", "lost", "--from-literal", `k=${value()}`, "-w", "lost.yaml"], { cwd: r.dir });
    const run = await kubectlSeal(["verify", "lost.yaml", "--timeout", "2", "--controller-namespace", ctlProd], { cwd: r.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^kubectl-seal: error: SealRequest ${unwatched}/verify-\\w+ got no answer from the controller within 2 s on cluster admin: check that the kubectl-seal controller runs \\(namespace ${ctlProd}\\) and watches namespace ${unwatched}, or raise --timeout\n$`),
    );
    const left = (await k.custom.listNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", plural: "sealrequests", namespace: unwatched })) as { items: unknown[] };
    expect(left.items).toEqual([]);
  });
});

/** The ids a seal to this bundle alone uses: its post-quantum keys if it has any, else its X25519 keys. */
function idsOfOneType(bundle: KeyBundle): string[] {
  const type = bundle.keys.some((key) => key.type === "mlkem768x25519") ? "mlkem768x25519" : "x25519";
  return bundle.keys.filter((key) => key.type === type).map((key) => key.id);
}
