// `npm run dist`: kubectl-seal as a Node single executable application (SEA), the whole CLI inside one file that
// needs no Node, package or node_modules beside it.
//   node scripts/dist.ts                      this machine's executable: dist/kubectl-seal
//   node scripts/dist.ts --cached             the same, kept in the shared cache by a hash of its sources; prints
//                                             the path (tests and the benchmark build it once per change)
//   node scripts/dist.ts --targets LIST|all --out DIR [--base-url URL]
//                                             release archives (.tar.gz/.zip + .sha256) for the targets, and
//                                             DIR/plugins/seal.yaml, the krew manifest for them
// Runs on the pinned Node (npm scripts put it first on PATH): the SEA blob and its code cache are made by the
// Node that runs them.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { makeArchive, type Archive } from "./dist/archive.ts";
import { bundleChunks, bundleLoader } from "./dist/bundle.ts";
import { krewManifest } from "./dist/krew.ts";
import { injectBlob, makeBlob } from "./dist/sea.ts";
import { TRAINING_BUNDLE, warmCodeCaches } from "./dist/warm-cache.ts";
import { cacheRoot, hostTarget, nodeBinary, TARGETS, targetNamed, type Target } from "./dist/targets.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; homepage?: string; devDependencies: Record<string, string> };
/** The Node inside the executable: the version the project pins for itself. */
const NODE_VERSION = pkg.devDependencies["node"] ?? "";
const DEFAULT_BASE_URL = `https://github.com/kubectl-seal/kubectl-seal/releases/download/v${pkg.version}`;

/** What the executable is made from: a change to any of these builds a new one. */
const SOURCES = ["src", "commands", "release", "scripts/dist", "scripts/dist.ts", TRAINING_BUNDLE, "package.json", "package-lock.json"];

function sourceHash(): string {
  const hash = createHash("sha256").update(`node ${NODE_VERSION}\n`);
  const add = (path: string): void => {
    const full = join(root, path);
    if (!existsSync(full)) return;
    if (statSync(full).isFile()) {
      hash.update(`${path}\n`).update(readFileSync(full));
      return;
    }
    for (const entry of readdirSync(full, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort()) {
      hash.update(`${entry.slice(root.length)}\n`).update(readFileSync(entry));
    }
  };
  SOURCES.forEach(add);
  return hash.digest("hex").slice(0, 16);
}

/** Builds one executable per target into `dir` (named like the targets); the chunks are bundled once for all. */
async function buildExecutables(targets: readonly Target[], dir: string): Promise<Map<Target, string>> {
  if (process.version !== `v${NODE_VERSION}`) throw new Error(`run on the pinned Node ${NODE_VERSION} (this is ${process.version}): npm run dist`);
  const [chunks, loader] = await Promise.all([bundleChunks(root), bundleLoader(root)]);
  const host = hostTarget();
  const scratch = mkdtempSync(join(tmpdir(), "kubectl-seal-dist-"));
  const built = new Map<Target, string>();
  try {
    for (const target of targets) {
      const isHost = target === host;
      const warmCaches = isHost ? await warmCodeCaches(root, chunks, join(scratch, "warm")) : undefined;
      const blob = makeBlob({ chunks, loader, codeCache: isHost, ...(warmCaches === undefined ? {} : { warmCaches }), dir: join(scratch, isHost ? "host" : "portable") });
      const out = join(dir, target.name, target.executable);
      process.stderr.write(`dist: ${target.name}: ${out}\n`);
      await injectBlob(isHost ? process.execPath : nodeBinary(target, NODE_VERSION), blob, out, target);
      built.set(target, out);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return built;
}

function requireHost(): Target {
  const host = hostTarget();
  if (host === undefined) throw new Error(`no target for ${process.platform}-${process.arch}: use --targets`);
  return host;
}

/** This machine's executable in the cache, built only when its sources changed. */
async function cachedExecutable(): Promise<string> {
  const host = requireHost();
  const dir = join(cacheRoot(), "dist", sourceHash());
  const file = join(dir, host.name, host.executable);
  if (!existsSync(file)) await buildExecutables([host], dir);
  return file;
}

async function release(names: string, out: string, baseUrl: string): Promise<void> {
  const targets = names === "all" ? TARGETS : names.split(",").map((name) => targetNamed(name.trim()));
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(out, ".build-"));
  try {
    const archives: Archive[] = [];
    const missing: string[] = [];
    for (const target of targets) {
      try {
        const built = await buildExecutables([target], work);
        archives.push(makeArchive(built.get(target) ?? "", target, pkg.version, out, root));
      } catch (error) {
        // A platform whose Node is not in the registry at the pinned version is left out, and said so.
        if (!String(error).includes("is not in the npm registry")) throw error;
        missing.push(`${target.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    mkdirSync(join(out, "plugins"), { recursive: true });
    writeFileSync(join(out, "plugins/seal.yaml"), krewManifest({ version: pkg.version, baseUrl, homepage: pkg.homepage ?? "https://github.com/kubectl-seal/kubectl-seal", archives }));
    for (const archive of archives) process.stdout.write(`${archive.file}\n`);
    for (const line of missing) process.stderr.write(`dist: not built: ${line}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { cached: { type: "boolean" }, targets: { type: "string" }, out: { type: "string" }, "base-url": { type: "string" } } });
  if (values.cached === true) {
    process.stdout.write(`${await cachedExecutable()}\n`);
  } else if (values.targets !== undefined) {
    await release(values.targets, resolve(values.out ?? join(root, "dist/release")), values["base-url"] ?? DEFAULT_BASE_URL);
  } else {
    const host = requireHost();
    const built = await buildExecutables([host], join(root, "dist/sea"));
    process.stdout.write(`${built.get(host)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`dist: error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
