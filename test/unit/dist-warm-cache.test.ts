// The build's code-cache training (scripts/dist/warm-cache.ts): one offline seal through the bundle's chunks gives a
// cache for each chunk the seal loads, V8 accepts it for that chunk's text, and it holds more than the top-level
// code (the functions the seal ran), which is what spares the executable their lazy compilation at each start.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Script } from "node:vm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MAIN_CHUNK, wrapChunk } from "../../release/chunks.ts";
import { bundleChunks, type Chunk } from "../../scripts/dist/bundle.ts";
import { warmCodeCaches } from "../../scripts/dist/warm-cache.ts";

const root = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "kubectl-seal-warm-cache-"));
let chunks: Chunk[] = [];
let caches = new Map<string, Buffer>();

beforeAll(async () => {
  chunks = await bundleChunks(root);
  caches = await warmCodeCaches(root, chunks, dir);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("warmCodeCaches", () => {
  test("trains the chunks a seal loads, and only those: never the cluster or Git code", () => {
    const sealChunk = chunks.find((c) => c.source.includes("runSealFast") && c.name !== MAIN_CHUNK);
    expect(sealChunk).toBeDefined();
    expect(caches.has(MAIN_CHUNK)).toBe(true);
    expect(caches.has(sealChunk?.name ?? "")).toBe(true);
    const largest = [...chunks].sort((a, b) => b.source.length - a.source.length)[0];
    expect(caches.has(largest?.name ?? "")).toBe(false);
  });

  test("each cache is accepted by V8 for its chunk and holds more than a top-level cache", () => {
    for (const chunk of chunks.filter((c) => caches.has(c.name))) {
      const source = wrapChunk(chunk.source);
      const warm = caches.get(chunk.name) ?? Buffer.alloc(0);
      expect(new Script(source, { filename: chunk.name, cachedData: warm }).cachedDataRejected, chunk.name).toBe(false);
      const cold = new Script(source, { filename: chunk.name }).createCachedData();
      expect(warm.length, chunk.name).toBeGreaterThanOrEqual(cold.length);
    }
    const yaml = chunks.find((c) => c.source.includes("parseAllDocuments") && caches.has(c.name));
    const yamlSource = wrapChunk(yaml?.source ?? "");
    expect(caches.get(yaml?.name ?? "")?.length).toBeGreaterThan(2 * new Script(yamlSource).createCachedData().length);
  });
});
