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

/** Only what a fresh shell has: PATH (the prefix's bin/, kubectl's folder, Node, the system) and an empty HOME. */
function userEnv(): Record<string, string> {
  return { PATH: [join(prefix, "bin"), cluster().binDir, dirname(pinnedNode), "/usr/bin", "/bin"].join(":"), HOME: join(dir, "home") };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kubectl-seal-npm-"));
  prefix = join(dir, "prefix");
  mkdirSync(join(dir, "home"));
  // `npm test` has just built dist/ (and the oclif manifest) from this checkout; `prepare` would rebuild the same.
  execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  const tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball to ${dir}`);
  // The registry's packages come through the machine's npm cache (a fresh HOME would fetch them all again).
  const cache = process.env["npm_config_cache"] ?? join(homedir(), ".npm");
  execFileSync("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", "--prefer-offline", "--cache", cache, join(dir, tarball)], { cwd: dir, env: userEnv(), stdio: ["ignore", "ignore", "inherit"] });
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
