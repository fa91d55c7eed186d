// The controller as one minified ES module, dist/bundle/controller.mjs, part of `npm run build`: what the image, the
// Deployment's Pod, the tests and the benchmark run. client-node's package index loads every generated API group
// and model (13 MB of source); bundled, esbuild keeps only the API classes the controller constructs, and the
// minified source V8 holds in memory is 2.6 MB instead (the start-up RSS it saves: BENCHMARKS.md, "Against the
// real Bitnami controller").
// Minified, identifiers included (~40% of the saving, measured by importing the controller's modules: 118 MB RSS
// unbundled, 96 MB bundled, 80 MB minified): the error classes that are told apart by name set `name` themselves
// (NotLeaderError, FlagError, SealError), and a stack trace still gives the position, which the map resolves.
// A thread script the controller starts by URL (`new Worker(new URL("./x-worker.js", import.meta.url))`, a file
// controller/x-worker.ts) is bundled on its own beside the controller, under the name that URL resolves to from the
// bundle; in the image, where no package.json says "module", Node runs it as an ES module by its syntax.
import { build, type BuildOptions } from "esbuild";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Where the bundle is written, relative to the repository root; thread scripts go into the same folder. */
export const CONTROLLER_BUNDLE = "dist/bundle/controller.mjs";

const common: BuildOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  minify: true,
  legalComments: "none",
  sourcemap: "external", // X.map, for reading a --cpu-prof profile; not named in the bundle, not in the image
  logLevel: "warning",
  // CommonJS dependencies (prom-client, ws, ...) call require(); in an ES module it has to be made.
  banner: { js: 'import { createRequire as __kubectlSealRequire } from "node:module"; const require = __kubectlSealRequire(import.meta.url);' },
};

export async function bundleController(): Promise<void> {
  const threads = readdirSync(join(root, "controller")).filter((name) => name.endsWith("-worker.ts"));
  await Promise.all([
    build({ ...common, entryPoints: [join(root, "controller/main.ts")], outfile: join(root, CONTROLLER_BUNDLE) }),
    ...threads.map((name) =>
      build({ ...common, entryPoints: [join(root, "controller", name)], outfile: join(root, "dist/bundle", name.replace(/\.ts$/, ".js")) })),
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleController();
