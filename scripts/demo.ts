// `npm run demo` (scripts/demo.sh builds first): the whole story on a real local control plane, each step shown
// with the command a user would type. Fails (non-zero exit) on the first step that does not do what it says.
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import git from "isomorphic-git";
import { appPod } from "../test/control-plane/app-pod.ts";
import { startControlPlane } from "../test/control-plane/control-plane.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

function step(title: string): void {
  process.stdout.write(`\n${bold(`== ${title}`)}\n`);
}

const cluster = await startControlPlane();
// The password is never in a command line or on the screen: it comes from the environment (random by default).
const password = process.env.DEMO_PASSWORD ?? randomBytes(18).toString("base64url");
const env = { ...process.env, DEMO_PASSWORD: password, KUBECONFIG: cluster.kubeconfig, PATH: `${cluster.binDir}:${path.join(root, "bin")}:${process.env.PATH ?? ""}` };
const repo = fs.mkdtempSync(path.join(os.tmpdir(), "kubectl-seal-demo-"));
let controller: ReturnType<typeof spawn> | undefined;
const auditLines: string[] = [];

/** Runs `command` in a shell as the user would type it; shows it and its output; fails unless it exits `expect`. */
function run(command: string, options: { expect?: number; input?: string; quiet?: boolean } = {}): string {
  process.stdout.write(`$ ${command}\n`);
  const spawnOptions: SpawnSyncOptions = { cwd: repo, env, encoding: "utf8", input: options.input ?? "" };
  const result = spawnSync("bash", ["-o", "pipefail", "-c", command], spawnOptions);
  const stdout = String(result.stdout ?? "");
  if (!options.quiet) process.stdout.write(stdout);
  process.stderr.write(String(result.stderr ?? ""));
  if (result.status !== (options.expect ?? 0)) throw new Error(`demo: \`${command}\` exited ${result.status}, expected ${options.expect ?? 0}`);
  return stdout;
}

/** Polls `command` (or a predicate) until it succeeds (the controller works asynchronously); never a fixed sleep. */
async function waitUntil(what: string, check: string | (() => boolean), timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const done = typeof check === "string" ? () => spawnSync("bash", ["-c", check], { cwd: repo, env, stdio: "ignore" }).status === 0 : check;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

try {
  step(`A local control plane is up: ${cluster.server} (kubeconfig ${cluster.kubeconfig})`);
  run("kubectl get namespaces");

  step("Install the CRDs, the controller's namespace and its least-privilege RBAC");
  run("kubectl apply -f " + ["namespace", "crd", "sealrequest-crd", "rbac"].map((f) => path.join(root, "manifests", `${f}.yaml`)).join(" -f "));
  run("kubectl wait --for condition=Established crd/sealedsecrets.seal.dev crd/sealrequests.seal.dev --timeout 60s");

  step("Run the controller (here as a local process; in a cluster it is manifests/deployment.yaml)");
  controller = spawn(process.execPath, [path.join(root, "dist/bundle/controller.mjs"), "--kubeconfig", cluster.kubeconfig, "--namespace", "kubectl-seal"], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  // The controller's JSON audit lines, as an operator would collect them; shown at the end.
  controller.stdout?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.includes('"audit":true')) auditLines.push(line);
  });
  await waitUntil("the signed key bundle", "kubectl get configmap kubectl-seal-keys -n kubectl-seal");
  // Single quotes: bash would drop the backslashes that keep kubectl from reading "seal.dev" as two fields.
  run("kubectl get secrets -n kubectl-seal -l seal.dev/key -o custom-columns=" +
    "'NAME:.metadata.name,ROLE:.metadata.labels.seal\\.dev/key,KEY-ID:.metadata.annotations.seal\\.dev/key-id,TYPE:.metadata.annotations.seal\\.dev/key-type'");

  step("A GitOps repository; kubectl seal fetches the cluster's signed key bundle and pins its identity");
  await git.init({ fs, dir: repo, defaultBranch: "main" });
  await git.setConfig({ fs, dir: repo, path: "user.name", value: "Demo User" });
  await git.setConfig({ fs, dir: repo, path: "user.email", value: "demo@example.com" });
  run("kubectl seal fetch-keys");
  run("cat .seal/clusters.yaml | head -n 12");

  step("Seal a Secret (it never touches the disk in plaintext) and commit the sealed file");
  run("kubectl create namespace demo");
  fs.mkdirSync(path.join(repo, "apps/demo"), { recursive: true });
  run(
    "kubectl create secret generic db-credentials -n demo --from-literal username=app --from-literal password=\"$DEMO_PASSWORD\" " +
      "--dry-run=client -o yaml | kubectl seal -w apps/demo/db-credentials.yaml --commit -m 'Add demo database credentials'",
  );
  run("cut -c1-100 apps/demo/db-credentials.yaml   # each value is an age file (post-quantum here), cut for the screen");

  step("Apply it: the controller unseals it into a Secret it owns");
  run("kubectl apply -f apps/demo/db-credentials.yaml");
  await waitUntil("the Secret", "kubectl get secret db-credentials -n demo");
  await waitUntil("Ready", "kubectl wait --for condition=Ready sealedsecret/db-credentials -n demo --timeout 1s");
  run("kubectl get sealedsecrets -n demo");
  run("kubectl get secret db-credentials -n demo -o jsonpath='{.data.username}' | base64 -d; echo");
  run("kubectl get events -n demo --field-selector reason=Unsealed");

  step("Rotate the keys and re-encrypt the repository through the controller, in one commit");
  run("kubectl seal keys rotate --reason 'demo rotation'");
  run("kubectl seal reencrypt --all --commit -m 'Re-encrypt after key rotation'");
  run("kubectl seal status");
  run("kubectl seal verify apps/demo/db-credentials.yaml");

  step("A plaintext Secret about to be committed is caught");
  fs.writeFileSync(path.join(repo, "oops.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: oops}\nstringData: {token: not-a-real-token}\n");
  run("kubectl seal scan", { expect: 1 });

  step("The repository's history: one commit per kubectl seal --commit");
  for (const entry of await git.log({ fs, dir: repo })) process.stdout.write(`${entry.oid.slice(0, 7)} ${entry.commit.message}`);

  step("The controller's audit trail: one JSON line per key change, unseal, request (never a value)");
  await waitUntil("the audit line of the verify request", () => auditLines.some((line) => line.includes('"what":"Verified"')));
  for (const line of auditLines) process.stdout.write(`${line}\n`);
  step("An application Pod on a real node reads the password from the Secret (it prints only its sha256)");
  process.stdout.write("(starting a node: containerd + kubelet, with images built by scripts/build-image.sh; about a minute)\n");
  const node = await cluster.startNode();
  run("kubectl apply -f -", { input: JSON.stringify(appPod("demo", "app", "db-credentials", "password", node)) });
  run("kubectl wait --for=condition=Ready pod/app -n demo --timeout=180s");
  await waitUntil("the application's output", "kubectl logs -n demo app | grep -q '^file '");
  const printed = run("kubectl logs -n demo app");
  const sealed = createHash("sha256").update(password).digest("hex");
  if (!printed.includes(`env ${sealed}`) || !printed.includes(`file ${sealed}`)) throw new Error("demo: the Pod read another value than the one sealed");
  process.stdout.write(`sha256 of the password sealed at the start: ${sealed} (matches the Pod's env and file)\n`);
  step("Done: everything the demo started is stopped and deleted now");
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  controller?.kill("SIGTERM");
  await cluster.stop();
  fs.rmSync(repo, { recursive: true, force: true });
}
