// verify, keys rotate, reencrypt and keys retire through the real kubectl running the plugin: verify tells ok,
// tampered and wrong-scope files apart; after a rotation `reencrypt --all --commit` makes one commit that re-seals
// exactly the stale values (other bytes identical, other clusters kept, unvouched recipients refused) and the
// controller still produces the same Secret; retire is refused while a file uses the key, then allowed.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { generateKey, type KeyBundle, type SealedSecret } from "../../src/index.js";
import { readPinnedClusters } from "../../src/git/known-keys.js";
import { cluster } from "../control-plane/cluster.ts";
import { makeRepo, type TempRepo } from "../unit/git-fixtures.js";
import { startController, stopAllControllers, type ControllerProcess } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, createSealed, decodedData, getSecret, kube, publishedBundle, uniqueName, updateSealedSpec, type Kube } from "./helpers/kube.js";
import { kubectlSeal, kubectlSealOk, pluginOutput } from "./helpers/plugin.js";
import { waitFor } from "./helpers/wait.js";
import { ensureCrds, waitForUnsealedWith } from "./keys-support.js";

let k: Kube;
const [ctl, ctlStaging, app] = [uniqueName("cli-re"), uniqueName("cli-re-stg"), uniqueName("cli-re-app")];
const controllers: ControllerProcess[] = [];
const values: string[] = [];
let r: TempRepo;
let scratch: string;

function value(): string {
  const v = `v-${randomBytes(12).toString("hex")}`;
  values.push(v);
  return v;
}

const read = (file: string): string => readFileSync(join(r.dir, file), "utf8");
const sealedIn = (file: string): SealedSecret => parse(read(file)) as SealedSecret;
const prodFlags = ["--controller-namespace", ctl];

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrds(k);
  for (const ns of [ctl, ctlStaging, app]) await createNamespace(k, ns);
  controllers.push(await startController({ kubeconfig: cluster().kubeconfig, namespace: ctl, watchNamespaces: [app], args: ["--leader-elect", "false"], name: "prod" }));
  controllers.push(await startController({ kubeconfig: cluster().kubeconfig, namespace: ctlStaging, watchNamespaces: [uniqueName("unused")], args: ["--leader-elect", "false"], name: "staging" }));
  await Promise.all([publishedBundle(k, ctl), publishedBundle(k, ctlStaging)]);
  r = makeRepo();
  scratch = mkdtempSync(join(cluster().dir, "cli-re-"));
  await kubectlSealOk(["fetch-keys", "--cluster", "prod", ...prodFlags], { cwd: r.dir });
  await kubectlSealOk(["fetch-keys", "--cluster", "staging", "--controller-namespace", ctlStaging], { cwd: r.dir });
});

afterAll(async () => {
  await stopAllControllers();
  r.remove();
  rmSync(scratch, { recursive: true, force: true });
  assertNoneContain({ ...pluginOutput, ...Object.fromEntries(controllers.map((c) => [c.name, c.output()])) }, values);
});

describe("verify", () => {
  it("reports ok, tampered and wrong-scope per file, and exits 1", async () => {
    await kubectlSealOk(["--cluster", "prod", "-n", app, "--name", "checked", "--from-literal", `password=${value()}`, "-w", "checked.yaml"], { cwd: r.dir });
    const good = read("checked.yaml");
    const file = sealedIn("checked.yaml").spec.encryptedData["password"] ?? "";
    const at = file.length - 10;
    const altered = `${file.slice(0, at)}${file[at] === "A" ? "B" : "A"}${file.slice(at + 1)}`;
    writeFileSync(join(scratch, "tampered.yaml"), good.replace(file, altered));
    writeFileSync(join(scratch, "moved.yaml"), good.replace("name: checked", "name: moved"));
    const args = ["verify", "checked.yaml", join(scratch, "tampered.yaml"), join(scratch, "moved.yaml"), ...prodFlags];

    const json = await kubectlSealOk([...args, "-o", "json"], { cwd: r.dir }, 1);
    const results = (JSON.parse(json.stdout) as { results: Array<{ ok: boolean; reason?: string; keyIds: string[]; message?: string }> }).results;
    expect(results.map((x) => x.reason ?? "ok")).toEqual(["ok", "tampered", "wrong-scope"]);
    expect(results[0]?.keyIds).toEqual(sealedIn("checked.yaml").spec.sealedTo?.["password"]?.filter((id) => results[0]?.keyIds.includes(id)));
    expect(results[0]?.keyIds.length).toBe(1);
    expect(results[2]?.message).toContain(`SealedSecret ${app}/moved key password`);

    const table = await kubectlSealOk(args, { cwd: r.dir }, 1);
    expect(table.stdout.split("\n")[0]).toMatch(/^FILE\s+SECRET\s+RESULT\s+KEYS\s+MESSAGE$/);
    expect(table.stderr).toContain(`1 of 3 SealedSecret(s) can be unsealed by cluster admin.`);
  });
});

describe("rotate, reencrypt --all --commit, retire", () => {
  it("re-seals only stale values in one commit, keeps other clusters, and the controller produces the same Secret", async () => {
    const [password, user, shared, other] = [value(), value(), value(), value()];
    mkdirSync(join(r.dir, "apps"));
    await kubectlSealOk(["--cluster", "prod", "-n", app, "--name", "db", "--from-literal", `password=${password}`, "--from-literal", `user=${user}`, "-w", "apps/db.yaml"], { cwd: r.dir });
    await kubectlSealOk(["--cluster", "prod", "--cluster", "staging", "--scope", "cluster", "-n", app, "--name", "shared", "--from-literal", `token=${shared}`, "-w", "apps/shared.yaml"], { cwd: r.dir });
    await kubectlSealOk(["--cluster", "staging", "-n", app, "--name", "elsewhere", "--from-literal", `token=${other}`, "-w", "apps/staging-only.yaml"], { cwd: r.dir });
    await createSealed(k, sealedIn("apps/db.yaml"));
    const before = decodedData(await waitFor(() => getSecret(k, app, "db"), { what: "Secret db" }));
    expect(before).toEqual({ password, user });
    const oldIds = sealedIn("apps/db.yaml").spec.sealedTo?.["password"] ?? [];
    r.git("add", "-A");
    r.git("commit", "-qm", "sealed files");

    const rotated = await kubectlSealOk(["keys", "rotate", "--reason", "test rotation", ...prodFlags], { cwd: r.dir });
    const bundle = await publishedBundle(k, ctl);
    expect(rotated.stdout).toContain(`Rotated the sealing keys of cluster admin: now sealing to`);
    for (const key of bundle.keys) expect(oldIds).not.toContain(key.id);
    expect(readPinnedClusters(r.dir).find((p) => p.name === "prod")?.keyIds).toEqual(expect.arrayContaining([...oldIds, ...bundle.keys.map((key) => key.id)]));

    // Retiring the old key is refused while a file of the repository is sealed to it.
    const [oldId] = oldIds;
    const refused = await kubectlSeal(["keys", "retire", oldId ?? "", ...prodFlags], { cwd: r.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`kubectl-seal: error: key ${oldId} is still used by`);
    expect(refused.stderr).toContain("apps/db.yaml");

    // A value added after the rotation is already current: reencrypt must leave its bytes alone.
    const fresh = value();
    await kubectlSealOk(["--cluster", "prod", "-n", app, "--name", "db", "--from-literal", `fresh=${fresh}`, "--merge-into", "apps/db.yaml"], { cwd: r.dir });
    // A comment of the user's (added after --merge-into, which writes the file anew): reencrypt keeps it.
    writeFileSync(join(r.dir, "apps/db.yaml"), `# sealed for prod; do not edit by hand\n${read("apps/db.yaml")}`);
    r.git("add", "-A");
    r.git("commit", "-qm", "pins after rotation, fresh value");
    const dbBefore = sealedIn("apps/db.yaml");
    const stagingOnly = read("apps/staging-only.yaml");
    const head = r.git("rev-parse", "HEAD").trim();

    const run = await kubectlSealOk(["reencrypt", "--all", "--commit", ...prodFlags], { cwd: r.dir });
    expect(r.git("rev-list", "--count", `${head}..HEAD`).trim()).toBe("1");
    expect(r.git("show", "--name-only", "--format=", "HEAD").trim().split("\n").sort()).toEqual(["apps/db.yaml", "apps/shared.yaml", "checked.yaml"]); // checked.yaml: from the verify test
    expect(r.git("status", "--porcelain").trim()).toBe("");
    expect(run.stdout).toMatch(/apps\/staging-only\.yaml\s+\S+\/elsewhere\s+other clusters only/);

    const db = sealedIn("apps/db.yaml");
    const newIds = new Set(bundle.keys.map((key) => key.id));
    for (const key of ["password", "user"]) {
      expect(db.spec.encryptedData[key]).not.toBe(dbBefore.spec.encryptedData[key]);
      for (const id of db.spec.sealedTo?.[key] ?? []) expect(newIds.has(id)).toBe(true);
    }
    expect(db.spec.encryptedData["fresh"]).toBe(dbBefore.spec.encryptedData["fresh"]);
    expect(read("apps/db.yaml").startsWith("# sealed for prod; do not edit by hand\n")).toBe(true);
    expect(read("apps/staging-only.yaml")).toBe(stagingOnly);
    const stagingIds = (await publishedBundle(k, ctlStaging)).keys.map((key) => key.id);
    const sharedIds = sealedIn("apps/shared.yaml").spec.sealedTo?.["token"] ?? [];
    expect(sharedIds.filter((id) => stagingIds.includes(id)).length).toBeGreaterThan(0);
    expect(sharedIds.filter((id) => newIds.has(id)).length).toBeGreaterThan(0);
    // Only the stale values' lines changed.
    const diff = r.git("diff", "-U0", `${head}..HEAD`, "--", "apps/db.yaml").split("\n").filter((l) => /^[-+](?![-+])/.test(l));
    for (const line of diff) expect(line).toMatch(/^[-+]\s+(password|user): |^[-+]\s+- [0-9a-f]{16}$/);

    // The cluster's object updated from the file: same Secret, opened with the new keys.
    await updateSealedSpec(k, app, "db", db.spec);
    await waitFor(async () => (await waitForUnsealedWith(k, app, "db")).every((id) => newIds.has(id)), { what: "db unsealed with the new keys" });
    expect(decodedData((await getSecret(k, app, "db"))!)).toEqual({ ...before, fresh });

    // Nothing stale is left: a second run rewrites nothing and commits nothing.
    await kubectlSealOk(["reencrypt", "--all", "--commit", ...prodFlags], { cwd: r.dir });
    expect(r.git("rev-list", "--count", `${head}..HEAD`).trim()).toBe("1");

    // Now nothing uses the old key: retire it; the pin records it.
    const retired = await kubectlSealOk(["keys", "retire", oldId ?? "", ...prodFlags], { cwd: r.dir });
    expect(retired.stdout).toContain(`Retired key ${oldId} on cluster admin.`);
    expect(readPinnedClusters(r.dir).find((p) => p.name === "prod")?.retired).toEqual([oldId]);
  });

  it("refuses a file sealed to a recipient nobody vouches for, and keeps it when --recipient names it", async () => {
    const recovery = (await generateKey("x25519")).recipient;
    await kubectlSealOk(["--cluster", "prod", "--recipient", recovery, "-n", app, "--name", "recoverable", "--from-literal", `key=${value()}`, "-w", "recoverable.yaml"], { cwd: r.dir });
    await kubectlSealOk(["keys", "rotate", ...prodFlags], { cwd: r.dir });
    const text = read("recoverable.yaml");
    const recoveryId = (sealedIn("recoverable.yaml").spec.sealedTo?.["key"] ?? []).find((id) => !readPinnedClusters(r.dir).some((p) => p.keyIds.includes(id)));

    const refused = await kubectlSeal(["reencrypt", "recoverable.yaml", ...prodFlags], { cwd: r.dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`is sealed to key ${recoveryId}`);
    expect(refused.stdout).toContain("pass --recipient age1... for it");
    expect(read("recoverable.yaml")).toBe(text);

    await kubectlSealOk(["reencrypt", "recoverable.yaml", "--recipient", recovery, ...prodFlags], { cwd: r.dir });
    const ids = sealedIn("recoverable.yaml").spec.sealedTo?.["key"] ?? [];
    expect(ids).toContain(recoveryId);
    const bundle: KeyBundle = await publishedBundle(k, ctl);
    expect(ids.filter((id) => bundle.keys.some((key) => key.id === id)).length).toBe(1);
  });
});
