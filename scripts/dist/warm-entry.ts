// The code-cache training run (scripts/dist/warm-cache.ts), bundled to CommonJS and run by the pinned Node as
//   node warm-entry.cjs CHUNK_DIR ARGS...
// It runs the CLI's chunks from CHUNK_DIR exactly as the executable does (release/chunk-loader.ts) with ARGS as the
// command line, and at exit writes each chunk's V8 code cache beside it (CHUNK.cache). A cache made after running
// holds the functions compiled while running, not only the top-level code.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Script } from "node:vm";
import { chunkLoader } from "../../release/chunk-loader.ts";
import { cacheAssetOf, MAIN_CHUNK } from "../../release/chunks.ts";

const dir = process.argv[2] ?? "";
process.argv.splice(2, 1);
const scripts = new Map<string, Script>();
const load = chunkLoader(
  {
    source: (chunk) => readFileSync(join(dir, chunk), "utf8"),
    cachedData: (chunk) => (existsSync(join(dir, cacheAssetOf(chunk))) ? readFileSync(join(dir, cacheAssetOf(chunk))) : undefined),
  },
  require,
  (chunk, script) => scripts.set(chunk, script),
);
process.on("exit", () => {
  for (const [chunk, script] of scripts) writeFileSync(join(dir, cacheAssetOf(chunk)), script.createCachedData());
});
load(MAIN_CHUNK);
