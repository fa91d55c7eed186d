// How the single executable's chunks are stored and run: shared by the loader (release/sea-loader.ts, at run time)
// and the build (scripts/dist/bundle.ts), so the code cache made at build time is for exactly the text run later.

/** The wrapper's parameters; the chunks' free variables (esbuild keeps these names in its output). */
export const CHUNK_PARAMETERS = ["exports", "require", "module", "__filename", "__dirname", "__kubectlSealFileUrl", "__kubectlSealImport"] as const;

/** esbuild's `import("./chunk-X.js")` at a split point; the build rewrites it to the loader's import function. */
export const CHUNK_IMPORT = /\bimport\("(\.\/chunk-[A-Za-z0-9_-]+\.js)"\)/g;

/** A chunk's CommonJS text with its chunk imports going through the loader (CommonJS has no import()). */
export function loaderImports(source: string): string {
  return source.replace(CHUNK_IMPORT, (_, id: string) => `__kubectlSealImport(${JSON.stringify(id)})`);
}

/** A chunk's source as the function the loader compiles: the code cache is made for exactly this text. */
export function wrapChunk(source: string): string {
  return `(function (${CHUNK_PARAMETERS.join(", ")}) {${source}\n})`;
}

/** The asset name of a chunk's code cache. */
export function cacheAssetOf(chunk: string): string {
  return `${chunk}.cache`;
}

export const MAIN_CHUNK = "main.js";
