// The main script of the single executable. Node runs one CommonJS script there, so a 17 MB bundle of the whole
// CLI would be compiled on every start (3.5x the time of `node -e 0`, most of it for code a seal never runs). The
// CLI is therefore bundled in chunks (scripts/dist/bundle.ts: esbuild's code splitting, each `await import()` a
// boundary) stored as SEA assets, and this loader evaluates a chunk when it is first required, once, so modules
// shared by chunks keep one identity. Each chunk comes with V8's code cache, made at build time for the same Node.
import { getAsset, getAssetKeys } from "node:sea";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { cacheAssetOf, MAIN_CHUNK, wrapChunk } from "./chunks.js";

const nodeRequire = require;
const assets = new Set(getAssetKeys());
const loaded = new Map<string, { exports: unknown }>();
const fileUrl = pathToFileURL(process.execPath).href;

function load(chunk: string): unknown {
  const known = loaded.get(chunk);
  if (known !== undefined) return known.exports;
  const source = wrapChunk(getAsset(chunk, "utf8"));
  const cacheName = cacheAssetOf(chunk);
  const cachedData = assets.has(cacheName) ? Buffer.from(getAsset(cacheName)) : undefined;
  // A cache V8 rejects (another CPU's flags) only costs the compile it would have saved.
  const script = new Script(source, { filename: `${process.execPath}/${chunk}`, ...(cachedData === undefined ? {} : { cachedData }) });
  const module = { exports: {} };
  loaded.set(chunk, module);
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, requireChunk, module, process.execPath, dirname(process.execPath), fileUrl, importChunk);
  return module.exports;
}

/** `require` inside a chunk: another chunk ("./chunk-X.js") from the assets, anything else is a Node built-in. */
function requireChunk(id: string): unknown {
  return id.startsWith("./") ? load(id.slice(2)) : nodeRequire(id);
}

/** `import()` of a chunk: the chunk's exports (esbuild's CommonJS form keeps the ESM names and `default`). */
function importChunk(id: string): Promise<unknown> {
  return Promise.resolve().then(() => requireChunk(id));
}

load(MAIN_CHUNK);
