// V8 code caches that hold what a seal runs. A cache made right after compiling a chunk holds only its top-level
// code: every function a seal calls (yaml's parser and printer, the bundle check, age) was still compiled lazily at
// each start. The build therefore runs one offline seal through the chunks, as the executable would (same Node,
// same loader), and keeps each loaded chunk's cache made after that run; the chunks a seal does not load keep the
// top-level cache. Only for the host target: a code cache is valid only for the Node and CPU flags that made it.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheAssetOf } from "../../release/chunks.ts";
import type { Chunk } from "./bundle.ts";

/** The training Secret: the common case of a few `data` keys. Made up; never a real value. */
const TRAINING_SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: training
  namespace: default
type: Opaque
data:
  username: YWRtaW4=
  password: dHJhaW5pbmctb25seQ==
`;

/** The committed signed test bundle (one X25519 and one post-quantum key): a seal to it runs both key types. */
export const TRAINING_BUNDLE = "test/vectors/bundle.yaml";

/** Caches by chunk name for the chunks an offline seal loads, trained in `dir` (a scratch folder). */
export async function warmCodeCaches(root: string, chunks: readonly Chunk[], dir: string): Promise<Map<string, Buffer>> {
  const chunkDir = join(dir, "chunks");
  mkdirSync(chunkDir, { recursive: true });
  for (const chunk of chunks) writeFileSync(join(chunkDir, chunk.name), chunk.source);
  const entry = join(dir, "warm-entry.cjs");
  const result = await build({ absWorkingDir: root, entryPoints: [join(root, "scripts/dist/warm-entry.ts")], write: false, bundle: true, platform: "node", format: "cjs", target: "node24", logLevel: "error" });
  writeFileSync(entry, result.outputFiles[0]?.text ?? "");
  const secret = join(dir, "secret.yaml");
  writeFileSync(secret, TRAINING_SECRET);
  const bundle = join(dir, "bundle.yaml");
  copyFileSync(join(root, TRAINING_BUNDLE), bundle);
  // No NODE_OPTIONS: V8 accepts a cache only under the flags that made it, and the executable starts without any.
  const env = { ...process.env };
  delete env["NODE_OPTIONS"];
  execFileSync(process.execPath, [entry, chunkDir, "--keys", bundle, secret], { env, stdio: ["ignore", "ignore", "inherit"] });
  const caches = new Map<string, Buffer>();
  for (const chunk of chunks) {
    const file = join(chunkDir, cacheAssetOf(chunk.name));
    if (existsSync(file)) caches.set(chunk.name, readFileSync(file));
  }
  return caches;
}
