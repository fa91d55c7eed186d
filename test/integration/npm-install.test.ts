// The npm package as a user installs it: `npm pack` of this checkout, `npm install -g` of the tarball into a private
// prefix with an empty HOME, then `kubectl seal` through the real kubectl. The package runs on the Node found on
// PATH (README: Install), here the project's pinned Node put on PATH ahead of the system's.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../control-plane/cluster.ts";
import { repoRoot } from "./helpers/controller.js";

const pinnedNode = join(repoRoot, "node_modules/node/bin/node");
let dir: string;
let prefix: string;
let machineCafile: string | undefined;

/**
 * Only what a fresh shell has: PATH (the prefix's bin/, kubectl's folder, Node, the system), an empty HOME, and the
 * machine's trusted CAs (a registry reached through a TLS-intercepting proxy needs them; `--prefix` stops npm from
 * reading the global npmrc that names them).
 */
function userEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: [join(prefix, "bin"), cluster().binDir, dirname(pinnedNode), "/usr/bin", "/bin"].join(":"), HOME: join(dir, "home") };
  if (machineCafile !== undefined) Object.assign(env, { NODE_EXTRA_CA_CERTS: machineCafile, npm_config_cafile: machineCafile });
  return env;
}

/** The CA bundle this machine's npm trusts, from its configuration or Node's extra CAs; undefined when none is set. */
function cafileOfThisMachine(): string | undefined {
  const configured = execFileSync("npm", ["config", "get", "cafile"], { encoding: "utf8" }).trim();
  if (configured !== "" && configured !== "null" && configured !== "undefined") return configured;
  return process.env["NODE_EXTRA_CA_CERTS"];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kubectl-seal-npm-"));
  prefix = join(dir, "prefix");
  machineCafile = cafileOfThisMachine();
  mkdirSync(join(dir, "home"));
  // `npm test` has just built dist/ (and the oclif manifest) from this checkout; `prepare` would rebuild the same.
  execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  const tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball to ${dir}`);
  // The registry's packages come through the machine's npm cache (a fresh HOME would fetch them all again); on a
  // fresh machine the cache holds no registry metadata yet, so the ranges are resolved over the network.
  const cache = process.env["npm_config_cache"] ?? join(homedir(), ".npm");
  execFileSync("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", "--prefer-offline", "--cache", cache, join(dir, tarball)], { cwd: dir, env: userEnv(), stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm install -g of the packed tarball", () => {
  it("puts kubectl-seal on PATH, where kubectl runs it as `kubectl seal`", () => {
    const help = spawnSync("kubectl", ["seal", "--help"], { cwd: dir, env: userEnv(), encoding: "utf8" });
    expect(help.stdout).toContain("Seal Secrets into SealedSecrets that are safe to commit to Git.");
    expect(help.status).toBe(0);
    const generated = spawnSync("kubectl", ["seal", "keys", "generate", "--pq", "--out-identity", "id.txt", "--out-bundle", "bundle.yaml"], { cwd: dir, env: userEnv(), encoding: "utf8" });
    expect(generated.stdout).toMatch(/^recipient: age1pq1/m);
    const sealed = spawnSync("kubectl", ["seal", "--keys", "bundle.yaml", "-n", "shop", "--name", "db", "--from-literal", "user=admin"], { cwd: dir, env: userEnv(), encoding: "utf8" });
    expect(sealed.stdout).toContain("kind: SealedSecret");
    expect(sealed.status).toBe(0);
  });

  it("does not install a Node runtime with the package (the 127 MB `node` package is for development only)", () => {
    expect(readdirSync(join(prefix, "lib/node_modules/kubectl-seal/node_modules"))).not.toContain("node");
  });
});
