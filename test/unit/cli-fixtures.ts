// Running kubectl-seal as a real process, the way a user does: bin/kubectl-seal (the bash launcher, then
// bin/run.js on the project's Node) on the build in dist/ (`npm run build` first), in a temporary folder.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { formatIdentityFile, generateKey, generateSigner, printManifests, publicKeyOf, signBundle, type PrivateKey } from "../../src/index.js";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(PROJECT_ROOT, "bin", "kubectl-seal");

/** Distinctive values: finding one of them in any output or message is a leak. */
export const CANARIES = ["canary-Pa55w0rd-7d1e", "canary-t0ken-91ab"];

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function kubectlSeal(args: readonly string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const result = spawnSync(BIN, args, {
    cwd: options.cwd,
    input: options.input ?? "",
    encoding: "utf8",
    env: options.env ?? process.env,
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Exit 2, nothing on stdout, exactly the one error line on stderr, no stack trace, no canary. */
export function expectErrorLine(run: Run, line: string | RegExp): void {
  expect(run.stderr).not.toMatch(/\n\s+at /);
  if (typeof line === "string") expect(run.stderr).toBe(`kubectl-seal: error: ${line}\n`);
  else expect(run.stderr).toMatch(new RegExp(`^kubectl-seal: error: ${line.source}\n$`));
  expect(run.stdout).toBe("");
  expect(run.status).toBe(2);
  expectNoCanary(run);
}

export function expectNoCanary(run: Run, values: readonly string[] = CANARIES): void {
  for (const value of values) expect(run.stdout + run.stderr).not.toContain(value);
}

export interface Workdir {
  dir: string;
  path(name: string): string;
  write(name: string, text: string | Uint8Array, mode?: number): string;
  read(name: string): string;
  /** Names in the folder, to prove no temporary file was left behind. */
  list(): string[];
  remove(): void;
}

export function workdir(): Workdir {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "seal-cli-")));
  return {
    dir,
    path: (name) => path.join(dir, name),
    write(name, text, mode) {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text, mode === undefined ? {} : { mode });
      return file;
    },
    read: (name) => fs.readFileSync(path.join(dir, name), "utf8"),
    list: () => fs.readdirSync(dir).sort(),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** An offline key set written into `dir`: identity.txt (private) and bundle.yaml (signed public bundle). */
export async function keySet(dir: Workdir, type: PrivateKey["type"] = "x25519"): Promise<{ key: PrivateKey; identity: string; bundle: string }> {
  const key = await generateKey(type);
  const signer = generateSigner();
  const identity = dir.write("identity.txt", formatIdentityFile([key]), 0o600);
  const bundle = dir.write("bundle.yaml", printManifests([signBundle([publicKeyOf(key)], signer.secretKey)], "yaml"));
  return { key, identity, bundle };
}

/** A Secret manifest holding the canaries. */
export function secretYaml(meta: { name?: string; namespace?: string } = { name: "db", namespace: "shop" }): string {
  const lines = ["apiVersion: v1", "kind: Secret", "metadata:"];
  if (meta.name !== undefined) lines.push(`  name: ${meta.name}`);
  if (meta.namespace !== undefined) lines.push(`  namespace: ${meta.namespace}`);
  if (meta.name === undefined && meta.namespace === undefined) lines.push("  labels: {app: shop}");
  lines.push("type: Opaque", "stringData:", `  password: ${CANARIES[0]}`, `  token: ${CANARIES[1]}`, "");
  return lines.join("\n");
}
