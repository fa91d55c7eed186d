// `kubectl seal keys backup` and `keys restore` as real processes against the real control plane and a real
// controller: back up, lose every key Secret and unsealed Secret, restore, and the next controller unseals every
// SealedSecret again with the same signer. The standard `age` CLI opens the backup; --to-git commits only the
// backup file; failures are one line; no captured output ever holds key material or a secret value.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fingerprintOf, formatIdentityFile, generateKey, parseIdentityFile, verifyBundle, type KeyBundle, type PrivateKey } from "../../src/index.js";
import { cluster } from "../control-plane/cluster.ts";
import { makeRepo, type TempRepo } from "../unit/git-fixtures.js";
import { repoRoot, startController, stopAllControllers, type ControllerProcess } from "./helpers/controller.js";
import {
  assertNoneContain,
  createNamespace,
  createSealed,
  decodedData,
  getSecret,
  kube,
  publishedBundle,
  sealSecret,
  uniqueName,
  type Kube,
} from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";
import { createSealRequest, ensureCrds, keySecrets, keysOfType, storedSigner, waitForPhase } from "./keys-support.js";

const plugin = join(repoRoot, "bin/kubectl-seal");

let k: Kube;
let dir: string;
let admin: PrivateKey;
let adminFile: string;
let otherFile: string;
const repos: TempRepo[] = [];
const controllers: ControllerProcess[] = [];
/** Everything the commands printed, checked for material at the end. */
const captured: Record<string, string> = {};
/** Secret values and private keys (AGE-SECRET-KEY-... strings, signer secret keys) that must never be printed. */
const secrets: string[] = [];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the plugin as kubectl would, against the admin kubeconfig; records its output for the leak check. */
function seal(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const env: Record<string, string | undefined> = { ...process.env, KUBECONFIG: cluster().kubeconfig, ...options.env };
  const result = spawnSync(plugin, args, { cwd: options.cwd ?? dir, env, encoding: "utf8" });
  captured[`kubectl seal ${args.join(" ")} #${Object.keys(captured).length}`] = result.stdout + result.stderr;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function value(): string {
  const v = `backup-value-${Math.random().toString(36).slice(2)}`;
  secrets.push(v);
  return v;
}

async function controller(namespace: string, watch: string): Promise<ControllerProcess> {
  const proc = await startController({ kubeconfig: cluster().kubeconfig, namespace, watchNamespaces: [watch], args: ["--leader-elect", "false"] });
  controllers.push(proc);
  return proc;
}

/** Remembers the private material of every key Secret in `namespace`, for the leak check. */
async function rememberKeyMaterial(namespace: string): Promise<void> {
  for (const s of [...(await keySecrets(k, namespace)), ...(await keySecrets(k, namespace, "signer"))]) {
    const identity = s.data?.identity;
    if (identity !== undefined) secrets.push(Buffer.from(identity, "base64").toString("utf8"));
    if (s.data?.secretKey !== undefined) secrets.push(s.data.secretKey);
  }
}

async function waitForData(namespace: string, name: string, data: Record<string, string>): Promise<void> {
  await waitFor(
    async () => {
      const secret = await getSecret(k, namespace, name);
      // Kubernetes returns data keys sorted, so compare key by key rather than as text.
      const stored = secret === undefined ? undefined : decodedData(secret);
      return stored !== undefined && Object.keys(stored).length === Object.keys(data).length && Object.entries(data).every(([key, v]) => stored[key] === v);
    },
    { what: `Secret ${namespace}/${name} unsealed with its data` },
  );
}

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrds(k);
  dir = mkdtempSync(join(tmpdir(), "seal-backup-"));
  // The admin's identity made by the standard age-keygen, as an admin would.
  adminFile = join(dir, "admin.txt");
  execFileSync("age-keygen", ["-o", adminFile], { stdio: "pipe" });
  [admin] = (await parseIdentityFile(readFileSync(adminFile, "utf8"), adminFile)) as [PrivateKey];
  const other = await generateKey("x25519");
  otherFile = join(dir, "other.txt");
  writeFileSync(otherFile, formatIdentityFile([other]), { mode: 0o600 });
  secrets.push(admin.identity, other.identity);
});

afterAll(async () => {
  await stopAllControllers();
  for (const repo of repos) repo.remove();
  rmSync(dir, { recursive: true, force: true });
  const outputs = { ...captured, ...Object.fromEntries(controllers.map((p, i) => [`controller #${i}`, p.output()])) };
  assertNoneContain(outputs, secrets);
  for (const [where, text] of Object.entries(outputs)) expect(text, where).not.toMatch(/AGE-SECRET-KEY/);
});

describe("kubectl seal keys backup / restore", () => {
  it("round trip: after losing every key Secret, a restore lets a new controller unseal everything with the same signer", async () => {
    const ns = uniqueName("seal-backup");
    const app = uniqueName("seal-backup-app");
    await createNamespace(k, ns);
    await createNamespace(k, app);
    const first = await controller(ns, app);
    const bundle1 = await publishedBundle(k, ns);
    const signer = await storedSigner(k, ns);

    // A value sealed to the first X25519 key; then a rotation, a value sealed to the new post-quantum key, and the
    // first post-quantum key (used by nothing) retired: the backup must carry old, current and retired keys.
    const classic = { name: "classic", namespace: app, data: { password: value() } };
    await createSealed(k, await sealSecret(classic, keysOfType(bundle1, "x25519")));
    await waitForData(app, "classic", classic.data);
    await createSealRequest(k, ns, "rotate", { action: "Rotate", reason: "test" });
    expect((await waitForPhase(k, ns, "rotate")).phase).toBe("Complete");
    const bundle2 = await waitFor(
      async () => {
        const b = await publishedBundle(k, ns);
        return b.keys.every((key) => !bundle1.keys.some((old) => old.id === key.id)) ? b : undefined;
      },
      { what: "the rotated bundle" },
    );
    const quantum = { name: "quantum", namespace: app, data: { token: value(), "ca.crt": value() } };
    await createSealed(k, await sealSecret(quantum, keysOfType(bundle2, "mlkem768x25519"), { type: "mlkem768x25519" }));
    await waitForData(app, "quantum", quantum.data);
    const retiredId = keysOfType(bundle1, "mlkem768x25519")[0]?.id ?? "";
    await createSealRequest(k, ns, "retire", { action: "Retire", keyId: retiredId });
    expect((await waitForPhase(k, ns, "retire")).phase).toBe("Complete");
    await rememberKeyMaterial(ns);
    const before = await keySecrets(k, ns);
    expect(before).toHaveLength(4);

    const file = join(dir, "keys.age");
    const backup = seal(["keys", "backup", "--controller-namespace", ns, "--recipient", admin.recipient, "-w", file]);
    expect(backup.stderr).toContain(`Backed up 5 keys of namespace ${ns} on cluster admin to ${file}, encrypted to 1 recipient(s).`);
    expect(backup).toMatchObject({ status: 0, stdout: "" });
    expect(backup.stderr).toMatch(new RegExp(`^sealing +mlkem768x25519 +${retiredId} +retired +kubectl-seal-key-`, "m"));
    captured["backup file"] = readFileSync(file).toString("latin1");

    // The standard age CLI opens it with the admin's age-keygen identity: the documented KeyBackup layout.
    const plaintext = parse(execFileSync("age", ["-d", "-i", adminFile, file], { encoding: "utf8" })) as {
      kind: string;
      namespace: string;
      signer: string;
      secrets: { name: string; labels: Record<string, string>; annotations: Record<string, string>; data: Record<string, string> }[];
    };
    expect(plaintext).toMatchObject({ kind: "KeyBackup", namespace: ns, signer: fingerprintOf(signer) });
    expect(plaintext.secrets.map((s) => s.labels["seal.dev/key"])).toEqual(["signer", "sealing", "sealing", "sealing", "sealing"]);
    for (const stored of before) {
      const entry = plaintext.secrets.find((s) => s.name === stored.metadata?.name);
      expect(entry?.data).toEqual(stored.data);
      expect(entry?.annotations["seal.dev/state"]).toBe(stored.metadata?.annotations?.["seal.dev/state"]);
    }

    // Total loss: the controller is gone and so are its keys, its bundle and every unsealed Secret.
    await first.stop();
    for (const s of [...before, ...(await keySecrets(k, ns, "signer"))]) await k.core.deleteNamespacedSecret({ name: s.metadata?.name ?? "", namespace: ns });
    await k.core.deleteNamespacedConfigMap({ name: "kubectl-seal-keys", namespace: ns });
    for (const name of ["classic", "quantum"]) await k.core.deleteNamespacedSecret({ name, namespace: app });
    await waitFor(async () => (await keySecrets(k, ns, "signer")).length === 0 && (await getSecret(k, app, "classic")) === undefined, { what: "the deletions" });

    const wrong = seal(["keys", "restore", file, "--identity", otherFile, "--controller-namespace", ns]);
    expect(wrong).toMatchObject({
      status: 2,
      stdout: "",
      stderr: `kubectl-seal: error: none of the identities in ${otherFile} can open ${file}: pass the identity file of one of the admin recipients the backup was made for (--identity)\n`,
    });
    expect(await keySecrets(k, ns)).toHaveLength(0);

    const restore = seal(["keys", "restore", file, "-i", adminFile, "--controller-namespace", ns]);
    expect(restore.status).toBe(0);
    expect(restore.stdout).toMatch(/^ROLE +TYPE +ID +STATE +SECRET +RESULT$/m);
    expect(restore.stdout).toMatch(/^signer +ed25519 +SHA256:\S+ +active +kubectl-seal-signer +restored$/m);
    expect(restore.stdout).toMatch(new RegExp(`^sealing +mlkem768x25519 +${retiredId} +retired +\\S+ +restored$`, "m"));
    expect(restore.stdout.match(/ restored$/gm)).toHaveLength(5);
    expect(restore.stderr).toContain(`5 restored, 0 already present, 0 conflicting in namespace ${ns} on cluster admin.`);
    const again = seal(["keys", "restore", file, "-i", adminFile, "--controller-namespace", ns, "-o", "json"]);
    expect(again.status).toBe(0);
    const outcomes = (JSON.parse(again.stdout) as { keys: { outcome: string }[] }).keys.map((key) => key.outcome);
    expect(outcomes).toEqual(["present", "present", "present", "present", "present"]);

    const after = await keySecrets(k, ns);
    for (const stored of before) {
      const restored = after.find((s) => s.metadata?.name === stored.metadata?.name);
      expect(restored?.data).toEqual(stored.data);
      expect(restored?.metadata?.annotations).toEqual(stored.metadata?.annotations);
      expect(restored?.immutable).toBe(true);
    }
    expect(await storedSigner(k, ns)).toBe(signer);

    // A new controller finds the old identity and keys: same signer, every SealedSecret unseals to the same data.
    await controller(ns, app);
    const bundle3: KeyBundle = await publishedBundle(k, ns);
    expect(() => verifyBundle(bundle3, signer)).not.toThrow();
    expect(bundle3.keys.map((key) => key.id).sort()).toEqual(bundle2.keys.map((key) => key.id).sort());
    await waitForData(app, "classic", classic.data);
    await waitForData(app, "quantum", quantum.data);
  });

  it("--to-git commits exactly the new backup file; a restore next to another identity reports the conflict and adds the rest", async () => {
    const ns = uniqueName("seal-backup-git");
    await createNamespace(k, ns);
    await controller(ns, ns);
    await publishedBundle(k, ns);
    await rememberKeyMaterial(ns);
    const repo = makeRepo();
    repos.push(repo);
    repo.write("README.md", "ops\n");
    repo.git("add", "README.md");
    repo.git("commit", "-q", "-m", "init");
    repo.write("staged.txt", "work in progress\n");
    repo.git("add", "staged.txt");
    const env = { GIT_CONFIG_GLOBAL: join(repo.dir, ".git-global-config"), GIT_CONFIG_NOSYSTEM: "1", HOME: repo.dir };

    const run = seal(["keys", "backup", "--controller-namespace", ns, "-r", admin.recipient, "--to-git", "backups/prod", "-m", "keys: test backup"], { cwd: repo.dir, env });
    expect(run).toMatchObject({ status: 0, stdout: "" });
    const files = repo.git("show", "--name-only", "--format=%s", "HEAD").trim().split("\n").filter((l) => l !== "");
    expect(files).toHaveLength(2);
    expect(files[0]).toBe("keys: test backup");
    expect(files[1]).toMatch(/^backups\/prod\/admin-keys-\d{8}T\d{6}Z\.age$/);
    expect(repo.git("rev-list", "--count", "HEAD").trim()).toBe("2");
    expect(repo.git("diff", "--cached", "--name-only").trim()).toBe("staged.txt");
    expect(repo.git("status", "--porcelain").trim()).toBe("A  staged.txt");
    const plaintext = execFileSync("age", ["-d", "-i", adminFile, join(repo.dir, files[1] ?? "")], { encoding: "utf8" });
    expect(parse(plaintext)).toMatchObject({ kind: "KeyBackup", namespace: ns, cluster: "admin" });

    // Restored into a namespace whose controller already made its own identity: the sealing keys are added, the
    // other signer is left alone and reported.
    const elsewhere = uniqueName("seal-backup-other");
    await createNamespace(k, elsewhere);
    await controller(elsewhere, elsewhere);
    await publishedBundle(k, elsewhere);
    await rememberKeyMaterial(elsewhere);
    const theirSigner = await storedSigner(k, elsewhere);
    const conflict = seal(["keys", "restore", join(repo.dir, files[1] ?? ""), "-i", adminFile, "--controller-namespace", elsewhere]);
    expect(conflict.status).toBe(2);
    expect(conflict.stdout).toMatch(/^signer +ed25519 +SHA256:\S+ +active +kubectl-seal-signer +conflict$/m);
    expect(conflict.stdout.match(/ restored$/gm)).toHaveLength(2);
    expect(conflict.stderr.trim().split("\n").at(-1)).toBe(
      `kubectl-seal: error: Secret(s) kubectl-seal-signer in namespace ${elsewhere} hold other key material than the backup and were left alone: ` +
        "if the controller made new keys after the loss, stop it, back up and delete those Secrets, then run restore again",
    );
    expect(await storedSigner(k, elsewhere)).toBe(theirSigner);
    expect(await keySecrets(k, elsewhere)).toHaveLength(4);

    // Outside a repository nothing is written.
    const outside = mkdtempSync(join(tmpdir(), "seal-no-repo-"));
    const refused = seal(["keys", "backup", "--controller-namespace", ns, "-r", admin.recipient, "--to-git", "out"], { cwd: outside, env });
    rmSync(outside, { recursive: true, force: true });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^kubectl-seal: error: \S+\/out is not inside a Git repository: run the command inside a clone, or create one with `git init`\n$/);
  });

  it("refuses a terminal, mixed recipients, a wrong namespace and files that are not backups, each with one line", async () => {
    const pq = await generateKey("mlkem768x25519");
    const mixed = seal(["keys", "backup", "-r", admin.recipient, "-r", pq.recipient, "-w", join(dir, "never.age")]);
    expect(mixed).toMatchObject({ status: 2, stdout: "" });
    expect(mixed.stderr).toBe(
      "kubectl-seal: error: --recipient: post-quantum (age1pq1...) and classic X25519 (age1...) recipients cannot be mixed: the classic one would undo the post-quantum protection; give recipients of one type\n",
    );
    const empty = uniqueName("seal-backup-none");
    const none = seal(["keys", "backup", "--controller-namespace", empty, "-r", admin.recipient, "-w", join(dir, "never.age")]);
    expect(none.stderr).toBe(
      `kubectl-seal: error: namespace ${empty} of cluster admin holds no usable signer Secret kubectl-seal-signer: check --controller-namespace; has the controller ever run there?\n`,
    );
    expect(spawnSync("test", ["-e", join(dir, "never.age")]).status).toBe(1);

    // `script` gives the command a terminal as stdout, as an interactive shell would.
    const tty = spawnSync("script", ["-qec", `${plugin} keys backup -r ${admin.recipient}`, "/dev/null"], {
      env: { ...process.env, KUBECONFIG: cluster().kubeconfig },
      encoding: "utf8",
    });
    captured["backup to a terminal"] = tty.stdout + tty.stderr;
    expect(tty.status).toBe(2);
    expect(tty.stdout.trim()).toBe(
      "kubectl-seal: error: refusing to write the encrypted backup to a terminal: pass -w FILE or --to-git DIR, or redirect the output to a file",
    );

    const notAge = join(dir, "admin-copy.txt");
    writeFileSync(notAge, "apiVersion: v1\nkind: Secret\n");
    const bad = seal(["keys", "restore", notAge, "-i", adminFile]);
    expect(bad).toMatchObject({ status: 2, stdout: "", stderr: `kubectl-seal: error: ${notAge} is not an age file: pass the file written by \`kubectl seal keys backup\`\n` });
  });
});
