// Runs the bundle's chunks (scripts/dist/bundle.ts) the way the single executable does: a chunk is compiled with
// its V8 code cache when first required, evaluated once (modules shared by chunks keep one identity, so
// `instanceof` on errors still works), and its `require("./chunk-X.js")` and `import()` come back here. Shared by
// the executable's main script (release/sea-loader.ts, chunks from SEA assets) and the build's code-cache training
// run (scripts/dist/warm-cache.ts, chunks from files), so the caches trained are for exactly the scripts run.
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { wrapChunk } from "./chunks.js";

export interface ChunkSource {
  /** A chunk's CommonJS text. */
  source(chunk: string): string;
  /** Its V8 code cache, if there is one: a cache V8 rejects (another CPU's flags) only costs the compile. */
  cachedData(chunk: string): Buffer | undefined;
}

/** Returns `load(chunk)`, which evaluates a chunk once and gives its exports; `compiled` sees each Script made. */
export function chunkLoader(chunks: ChunkSource, nodeRequire: (id: string) => unknown, compiled?: (chunk: string, script: Script) => void): (chunk: string) => unknown {
  const loaded = new Map<string, { exports: unknown }>();
  const fileUrl = pathToFileURL(process.execPath).href;

  function load(chunk: string): unknown {
    const known = loaded.get(chunk);
    if (known !== undefined) return known.exports;
    const cachedData = chunks.cachedData(chunk);
    const script = new Script(wrapChunk(chunks.source(chunk)), { filename: `${process.execPath}/${chunk}`, ...(cachedData === undefined ? {} : { cachedData }) });
    compiled?.(chunk, script);
    const module = { exports: {} };
    loaded.set(chunk, module);
    (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, requireChunk, module, process.execPath, dirname(process.execPath), fileUrl, importChunk);
    return module.exports;
  }

  /** `require` inside a chunk: another chunk ("./chunk-X.js"), anything else is a Node built-in. */
  function requireChunk(id: string): unknown {
    return id.startsWith("./") ? load(id.slice(2)) : nodeRequire(id);
  }

  /** `import()` of a chunk: the chunk's exports (esbuild's CommonJS form keeps the ESM names and `default`). */
  function importChunk(id: string): Promise<unknown> {
    return Promise.resolve().then(() => requireChunk(id));
  }

  return load;
}
