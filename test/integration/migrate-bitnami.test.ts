// The whole switch from Bitnami Sealed Secrets, on the local control plane with the REAL Bitnami controller and the
// real kube-controller-manager garbage collector: files sealed by the real kubeseal in a Git repository and applied
// -> our controller, as its ServiceAccount bound only by manifests/ and the manifests/bitnami-migration/ overlay,
// reads Bitnami's keys (SEAL_BITNAMI_KEYS_NAMESPACE) -> alice, a kubectl-seal-requester of the app's namespace only,
// runs `kubectl seal migrate --all --commit` (bob, without the role, is refused) -> the
// new files applied -> our controller adopts each Secret -> Bitnami's objects deleted -> every Secret still there,
// same data, and a watch on the Secrets saw no DELETED event and no data change the whole time (while a Secret
// left to Bitnami alone IS deleted by the garbage collector, so the collector did run) -> Bitnami stopped ->
// rotation and reencrypt work as for any file. No value reaches any output.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Watch, type V1Secret } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { startBitnami, type BitnamiController } from "../control-plane/bitnami.ts";
import { cluster, inClusterConfig, kubeconfigFor } from "../control-plane/cluster.ts";
import { makeRepo, type TempRepo } from "../unit/git-fixtures.js";
import { repoRoot, startController, stopAllControllers, type ControllerProcess } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, decodedData, getSecret, kube, publishedBundle, uniqueName, waitForEvent, type Kube } from "./helpers/kube.js";
import { kubeseal } from "./helpers/kubeseal.js";
import { kubectlSeal, kubectlSealOk, pluginOutput } from "./helpers/plugin.js";
import { waitFor } from "./helpers/wait.js";

const run = promisify(execFile);
let k: Kube;
// Where manifests/ and the overlay put things: the controller in kubectl-seal, Bitnami's keys in kube-system.
const [bitnamiNs, ctl, app] = ["kube-system", "kubectl-seal", uniqueName("mig-app")];
const values: string[] = [];
let r: TempRepo;
let bitnami: BitnamiController | undefined;
let bitnamiLog = "";
let ours: ControllerProcess;
const flags = ["--controller-namespace", "kubectl-seal"];

const value = (): string => {
  const v = `mig-${randomBytes(12).toString("hex")}`;
  values.push(v);
  return v;
};
const kubectl = (...args: string[]) => run(cluster().kubectl, ["--kubeconfig", cluster().kubeconfig, ...args]);
const read = (file: string): string => readFileSync(join(r.dir, file), "utf8");
const objectsIn = (file: string): Array<{ apiVersion: string; kind: string; metadata: { name: string }; spec?: { scope?: string } }> =>
  (parseAllDocuments(read(file)) as ReturnType<typeof parseAllDocuments> & unknown[]).map((d) => d.toJS()).filter((o) => o !== null);

function secretYaml(name: string, data: Record<string, string>, annotations: Record<string, string> = {}): string {
  const secret = { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: app, labels: { app: "shop" }, annotations }, type: "Opaque", stringData: data };
  return JSON.stringify(secret);
}

/** kubeseal --cert with Bitnami's own certificate, as a user with the public cert does. */
function sealed(scope: string, name: string, data: Record<string, string>, annotations?: Record<string, string>): string {
  return kubeseal(bitnami!.kubeseal, ["--cert", bitnami!.certFile, "--scope", scope, "-o", "yaml"], secretYaml(name, data, annotations));
}

/**
 * Every event of the namespace's Secrets from `resourceVersion` on, without a hole: the client closes an idle watch
 * after a while, so it is resumed from the last resourceVersion seen; the API server answers a resume it can no
 * longer serve with an ERROR (410), which makes broken() say so.
 */
function recordSecrets(k: Kube, namespace: string, resourceVersion: string, onEvent: (type: string, secret: V1Secret) => void): { stop(): void; broken(): string | undefined } {
  let last = resourceVersion;
  let stopped = false;
  let broken: string | undefined;
  let current: AbortController | undefined;
  const start = (): void => {
    void new Watch(k.kc)
      .watch(
        `/api/v1/namespaces/${namespace}/secrets`,
        { resourceVersion: last, allowWatchBookmarks: true },
        (type: string, object: V1Secret) => {
          if (type === "ERROR") broken = `the watch failed: ${JSON.stringify(object)}`;
          last = object.metadata?.resourceVersion ?? last;
          if (type !== "BOOKMARK" && type !== "ERROR") onEvent(type, object);
        },
        () => {
          if (!stopped && broken === undefined) start();
        },
      )
      .then((controller) => (current = controller), (error: unknown) => (broken = `the watch could not start: ${String(error)}`));
  };
  start();
  return {
    stop: () => {
      stopped = true;
      current?.abort();
    },
    broken: () => broken,
  };
}

beforeAll(async () => {
  const { kubectl: kubectlBin, kubeconfig, dir } = cluster();
  k = kube(kubeconfig);
  const manifests = ["namespace.yaml", "crd.yaml", "sealrequest-crd.yaml", "rbac.yaml", "sealrequest-policy.yaml"].flatMap((f) => ["-f", join(repoRoot, "manifests", f)]);
  await kubectl("apply", ...manifests); // as in-cluster.test.ts applies them: the same objects, the same way
  await kubectl("apply", "-k", join(repoRoot, "manifests/bitnami-migration"));
  await kubectl("wait", "--for=condition=Established", "crd/sealedsecrets.seal.dev", "crd/sealrequests.seal.dev", "--timeout=60s");
  await createNamespace(k, app);
  await kubectl("-n", app, "create", "rolebinding", "seal-requesters", "--clusterrole=kubectl-seal-requester", "--user=alice");
  bitnami = await startBitnami({ kubectl: kubectlBin, kubeconfig, dir, namespace: bitnamiNs });
  // As in a pod: the ServiceAccount's token, no kubeconfig; the flag from the environment, as the README sets it.
  const { pathPrefix, env } = await inClusterConfig(ctl, "kubectl-seal-controller");
  ours = await startController({ namespace: ctl, watchNamespaces: [app], env: { ...env, SEAL_IN_CLUSTER_ROOT: pathPrefix, SEAL_BITNAMI_KEYS_NAMESPACE: bitnamiNs }, args: ["--leader-elect", "false"], name: "ours" });
  await publishedBundle(k, ctl);
  r = makeRepo();
}, 900_000);

afterAll(async () => {
  if (bitnamiLog === "") bitnamiLog = (await bitnami?.log()) ?? "";
  await bitnami?.stop();
  await stopAllControllers();
  r?.remove();
  assertNoneContain({ ...pluginOutput, ours: ours?.output() ?? "", bitnami: bitnamiLog }, values);
});

describe("kubectl seal migrate, from the real Bitnami controller", () => {
  it("moves every file and Secret over with no gap, then rotation and reencrypt work", { timeout: 900_000 }, async () => {
    const db = { password: value(), user: value() };
    const api = { token: value() };
    const shared = { key: value() };
    const left = { token: value() }; // stays Bitnami's: the garbage collector must delete its Secret
    mkdirSync(join(r.dir, "apps"));
    writeFileSync(join(r.dir, "apps/db.yaml"), sealed("strict", "db", db, { team: "payments" }));
    writeFileSync(join(r.dir, "apps/api.yaml"), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api-config, namespace: ${app}}\ndata: {mode: fast}\n---\n${sealed("namespace-wide", "api", api)}`);
    writeFileSync(join(r.dir, "apps/shared.yaml"), sealed("cluster-wide", "shared", shared));
    r.git("add", "-A");
    r.git("commit", "-qm", "Bitnami-sealed files");
    await kubectl("apply", "-f", join(r.dir, "apps"));
    const leftFile = join(cluster().dir, `${app}-left.yaml`);
    writeFileSync(leftFile, sealed("strict", "left", left));
    await kubectl("apply", "-f", leftFile);

    const names = ["db", "api", "shared"];
    const expected: Record<string, Record<string, string>> = { db, api, shared };
    const before: Record<string, V1Secret> = {};
    for (const name of [...names, "left"]) {
      before[name] = await waitFor(() => getSecret(k, app, name), { what: `Bitnami's controller to make Secret ${name}`, timeoutMs: 120_000 });
      expect(before[name]?.metadata?.ownerReferences?.[0]?.apiVersion).toBe("bitnami.com/v1alpha1");
    }
    expect(decodedData(before.db!)).toEqual(db);

    // From here on, every change to the Secrets is recorded.
    const seen: Array<{ type: string; name: string; data: string }> = [];
    const watch = recordSecrets(k, app, before.left?.metadata?.resourceVersion ?? "", (type, secret) => seen.push({ type, name: secret.metadata?.name ?? "", data: JSON.stringify(secret.data ?? {}) }));
    try {
      const dry = await kubectlSealOk(["migrate", "--all", "--dry-run"], { cwd: r.dir });
      expect(dry.stdout).toMatch(/apps\/api\.yaml#2\s+\S+\/api\s+bitnami-sealed\s+namespace-wide -> namespace\s+token/);
      expect(dry.stderr).toContain("3 Bitnami SealedSecret(s) in 3 file(s) still to migrate.");

      const alice = { cwd: r.dir, kubeconfig: kubeconfigFor("alice") };
      await kubectlSealOk(["fetch-keys", "--cluster", "prod", ...flags], alice);
      r.git("add", "-A");
      r.git("commit", "-qm", "pin prod");
      const head = r.git("rev-parse", "HEAD").trim();
      const refused = await kubectlSeal(["migrate", "--all", "--commit", "--cluster", "prod", ...flags], { cwd: r.dir, kubeconfig: kubeconfigFor("bob") });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`creating a Migrate SealRequest in namespace ${app} on cluster`);
      expect(refused.stderr).toContain(`ask a cluster admin to bind the ClusterRole kubectl-seal-requester to you in namespace ${app}`);
      expect(r.git("status", "--porcelain", "--", "apps").trim()).toBe("");
      r.git("checkout", "--", ".seal"); // bob's run recorded how he reached the cluster in the pin
      const migrated = await kubectlSealOk(["migrate", "--all", "--commit", ...flags], alice);
      expect(migrated.stderr).toContain("Rewrote 3 file(s) for cluster prod.");
      expect(r.git("rev-list", "--count", `${head}..HEAD`).trim()).toBe("1");
      expect(r.git("show", "--name-only", "--format=", "HEAD").trim().split("\n").sort()).toEqual(["apps/api.yaml", "apps/db.yaml", "apps/shared.yaml"]);
      expect(r.git("status", "--porcelain").trim()).toBe("");
      expect(objectsIn("apps/api.yaml").map((o) => `${o.apiVersion} ${o.kind}`)).toEqual(["v1 ConfigMap", "seal.dev/v1alpha1 SealedSecret"]);
      expect(["apps/db.yaml", "apps/api.yaml", "apps/shared.yaml"].map((f) => objectsIn(f).at(-1)?.spec?.scope)).toEqual(["strict", "namespace", "cluster"]);
      expect(read("apps/api.yaml").startsWith(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api-config, namespace: ${app}}\n`)).toBe(true);
      expect((await kubectlSealOk(["migrate", "--all", "--dry-run"], { cwd: r.dir })).stderr).toContain("No Bitnami SealedSecrets found.");

      // Applied: our controller adopts each Secret (same data), before Bitnami's objects go.
      await kubectl("apply", "-f", join(r.dir, "apps"));
      for (const name of names) {
        await waitForEvent(k, app, name, "SecretAdopted");
        const secret = await waitFor(async () => {
          const s = await getSecret(k, app, name);
          return s?.metadata?.ownerReferences?.length === 1 && s.metadata.ownerReferences[0]?.apiVersion === "seal.dev/v1alpha1" ? s : undefined;
        }, { what: `Secret ${name} owned by our SealedSecret` });
        expect(secret.metadata?.uid).toBe(before[name]?.metadata?.uid);
      }

      await kubectl("delete", "sealedsecrets.bitnami.com", "--all", "-n", app, "--wait=true");
      // The garbage collector runs: the Secret still owned by Bitnami's deleted object goes ...
      // (The watch delivers a namespace's events in order: once it shows this one, it has shown every earlier change.)
      await waitFor(async () => (await getSecret(k, app, "left")) === undefined, { what: "the garbage collector to delete Secret left", timeoutMs: 300_000 });
      await waitFor(() => seen.some((e) => e.name === "left" && e.type === "DELETED") || watch.broken() !== undefined, { what: "the watch to show that deletion" });
      expect(watch.broken(), "the watch must cover the whole migration").toBeUndefined();
      // ... and ours stay, the very same objects with the same data.
      for (const name of names) {
        const secret = await getSecret(k, app, name);
        expect(secret?.metadata?.uid).toBe(before[name]?.metadata?.uid);
        expect(decodedData(secret!)).toEqual(expected[name]);
      }
    } finally {
      watch.stop();
    }
    const ofOurs = seen.filter((e) => names.includes(e.name));
    expect(ofOurs.filter((e) => e.type === "DELETED")).toEqual([]);
    for (const name of names) {
      const datas = new Set(ofOurs.filter((e) => e.name === name).map((e) => e.data));
      expect(datas.size <= 1 && [...datas].every((d) => d === JSON.stringify(before[name]?.data))).toBe(true);
    }

    // Bitnami's private keys were used, never shown: no line of them in any output.
    const keySecrets = await k.core.listNamespacedSecret({ namespace: bitnamiNs, labelSelector: "sealedsecrets.bitnami.com/sealed-secrets-key" });
    expect(keySecrets.items.length).toBeGreaterThan(0);
    for (const secret of keySecrets.items) {
      const pemLines = Buffer.from(secret.data?.["tls.key"] ?? "", "base64").toString().split("\n").filter((l) => l.length > 40);
      for (const line of pemLines.slice(0, 3)) expect([ours.output(), ...Object.values(pluginOutput)].some((text) => text.includes(line))).toBe(false);
    }

    // Bitnami gone: the migrated files are files like any other.
    bitnamiLog = (await bitnami?.log()) ?? "";
    await bitnami?.stop();
    await kubectlSealOk(["keys", "rotate", "--reason", "after migration", ...flags], { cwd: r.dir });
    const head = r.git("rev-parse", "HEAD").trim();
    await kubectlSealOk(["reencrypt", "--all", "--commit", ...flags], { cwd: r.dir, kubeconfig: kubeconfigFor("alice") });
    expect(r.git("show", "--name-only", "--format=", "HEAD").trim().split("\n").filter((f) => f.startsWith("apps/")).sort()).toEqual(["apps/api.yaml", "apps/db.yaml", "apps/shared.yaml"]);
    expect(r.git("rev-list", "--count", `${head}..HEAD`).trim()).toBe("1");
    await kubectl("apply", "-f", join(r.dir, "apps"));
    const newIds = new Set((await publishedBundle(k, ctl)).keys.map((key) => key.id));
    for (const name of names) {
      await waitFor(async () => {
        const status = (await k.custom.getNamespacedCustomObject({ group: "seal.dev", version: "v1alpha1", plural: "sealedsecrets", namespace: app, name })) as { status?: { keyIds?: string[] } };
        return (status.status?.keyIds ?? []).some((id) => newIds.has(id));
      }, { what: `${name} unsealed with the rotated keys` });
      expect(decodedData((await getSecret(k, app, name))!)).toEqual(expected[name]);
    }
  });
});
