// The main script of the single executable. Node runs one CommonJS script there, so a 17 MB bundle of the whole
// CLI would be compiled on every start (3.5x the time of `node -e 0`, most of it for code a seal never runs). The
// CLI is therefore bundled in chunks (scripts/dist/bundle.ts: esbuild's code splitting, each `await import()` a
// boundary) stored as SEA assets, each with V8's code cache made at build time for the same Node, and evaluated
// when first required (release/chunk-loader.ts).
import { getAssetKeys, getRawAsset } from "node:sea";
import { chunkLoader } from "./chunk-loader.js";
import { cacheAssetOf, MAIN_CHUNK } from "./chunks.js";

const assets = new Set(getAssetKeys());
// getRawAsset: the bytes inside the executable, read here and never written, without getAsset's copy of each.
const load = chunkLoader(
  {
    source: (chunk) => Buffer.from(getRawAsset(chunk)).toString("utf8"),
    cachedData: (chunk) => (assets.has(cacheAssetOf(chunk)) ? Buffer.from(getRawAsset(cacheAssetOf(chunk))) : undefined),
  },
  require,
);
load(MAIN_CHUNK);
