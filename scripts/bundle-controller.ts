// The controller as one minified ES module, dist/bundle/controller.mjs, part of `npm run build`: what the image, the
// Deployment's Pod, the tests and the benchmark run. client-node's package index loads every generated API group
// and model (13 MB of source); bundled, esbuild keeps only the API classes the controller constructs, and the
// minified source V8 holds in memory is 2.6 MB instead (the start-up RSS it saves: BENCHMARKS.md, "Against the
// real Bitnami controller").
// Minified, identifiers included (~40% of the saving, measured by importing the controller's modules: 118 MB RSS
// unbundled, 96 MB bundled, 80 MB minified): the error classes that are told apart by name set `name` themselves
// (NotLeaderError, FlagError, SealError), and a stack trace still gives the position, which the map resolves.
import { build } from "esbuild";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Where the bundle is written, relative to the repository root. */
export const CONTROLLER_BUNDLE = "dist/bundle/controller.mjs";

export async function bundleController(): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, "controller/main.ts")],
    outfile: join(root, CONTROLLER_BUNDLE),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    minify: true,
    legalComments: "none",
    sourcemap: "external", // controller.mjs.map, for reading a --cpu-prof profile; not named in the bundle, not in the image
    logLevel: "warning",
    // CommonJS dependencies (prom-client, ws, ...) call require(); in an ES module it has to be made.
    banner: { js: 'import { createRequire as __kubectlSealRequire } from "node:module"; const require = __kubectlSealRequire(import.meta.url);' },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleController();
