// Bundles the CLI into one CommonJS file for the single executable (Node's SEA runs one CommonJS script whose
// `require` reaches only Node's built-in modules). The command registry is generated here from the files in
// commands/ (the same ids oclif's pattern discovery gives them), so adding a command file needs no list edit.
import { build, transform, type Plugin } from "esbuild";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { loaderImports } from "../../release/chunks.ts";

/** Command ids by source file: commands/keys/generate.ts is "keys:generate", as oclif names it. */
export function commandFiles(root: string): Map<string, string> {
  const dir = join(root, "commands");
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".d.ts")) continue;
    const file = join(entry.parentPath, entry.name);
    files.set(relative(dir, file).slice(0, -".ts".length).split(sep).join(":"), file);
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/** The modules release/commands.d.ts declares, made from commands/ and package.json. */
function builtInModules(root: string): Plugin {
  const sources: Record<string, () => string> = {
    "kubectl-seal:command-ids": () => `export const COMMAND_IDS = ${JSON.stringify([...commandFiles(root).keys()])};`,
    "kubectl-seal:commands": () => {
      const entries = [...commandFiles(root)];
      const imports = entries.map(([, file], i) => `import C${i} from ${JSON.stringify(file)};`);
      const table = entries.map(([id], i) => `  ${JSON.stringify(id)}: C${i},`);
      return `${imports.join("\n")}\nexport const COMMANDS = {\n${table.join("\n")}\n};`;
    },
    "kubectl-seal:package": () => `export const PACKAGE_JSON = ${readFileSync(join(root, "package.json"), "utf8")};`,
  };
  return {
    name: "kubectl-seal-built-in-modules",
    setup(b) {
      b.onResolve({ filter: /^kubectl-seal:/ }, (args) => ({ path: args.path, namespace: "kubectl-seal" }));
      b.onLoad({ filter: /.*/, namespace: "kubectl-seal" }, (args) => {
        const source = sources[args.path];
        if (source === undefined) throw new Error(`unknown built-in module ${args.path}`);
        return { contents: source(), loader: "js", resolveDir: root };
      });
    },
  };
}

/** One chunk of the bundle: its asset name ("main.js", "chunk-XXXX.js") and CommonJS source. */
export interface Chunk {
  name: string;
  source: string;
}

/**
 * The CLI as chunks for release/sea-loader.ts: esbuild splits the ESM bundle of release/main.ts at every
 * `await import()` (code shared by chunks goes into chunks of its own), then each chunk is turned into CommonJS,
 * whose `require("./chunk-X.js")` the loader serves from the assets. ESM dependencies that read import.meta.url
 * get the executable's file URL (they use it only to find files beside them, which the bundle does not need).
 */
export async function bundleChunks(root: string): Promise<Chunk[]> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: join(root, "release/main.ts") },
    outdir: "/chunks",
    write: false,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node24",
    chunkNames: "chunk-[hash]",
    minifySyntax: true,
    legalComments: "none",
    logLevel: "error",
    plugins: [builtInModules(root)],
    define: { "import.meta.url": "__kubectlSealFileUrl" },
  });
  return Promise.all(
    result.outputFiles.map(async (file) => {
      const { code } = await transform(file.text, { format: "cjs", loader: "js", target: "node24", platform: "node", logLevel: "error" });
      return { name: basename(file.path), source: loaderImports(code) };
    }),
  );
}

/** The loader, the executable's main script, bundled on its own (it needs only Node's built-in modules). */
export async function bundleLoader(root: string): Promise<string> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, "release/sea-loader.ts")],
    write: false,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    legalComments: "none",
    logLevel: "error",
  });
  return result.outputFiles[0]?.text ?? "";
}
