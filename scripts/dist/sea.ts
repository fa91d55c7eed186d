// Turns the bundled chunks into a Node single executable application: a SEA preparation blob (the loader as the
// main script, the chunks and their V8 code caches as assets) injected with postject into a copy of a Node
// binary, then checked: the file format and architecture, the injected blob, the flipped SEA fuse.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Script } from "node:vm";
import postject from "postject";
import { cacheAssetOf, wrapChunk } from "../../release/chunks.ts";
import type { Chunk } from "./bundle.ts";
import type { Target } from "./targets.ts";

/** The fuse Node looks for; postject flips its ":0" to ":1" when it injects (Node's SEA documentation). */
export const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
export const SEA_RESOURCE = "NODE_SEA_BLOB";

export interface BlobOptions {
  chunks: Chunk[];
  loader: string;
  /** V8 code caches, valid only for the Node that builds them: the host's own target. */
  codeCache: boolean;
  /** Caches made after running a seal (scripts/dist/warm-cache.ts), used instead of the top-level cache. */
  warmCaches?: ReadonlyMap<string, Buffer>;
  /** Scratch folder for the blob's inputs. */
  dir: string;
}

/** Writes the SEA preparation blob (with the running Node, which must be the pinned one) and returns its path. */
export function makeBlob(o: BlobOptions): string {
  mkdirSync(o.dir, { recursive: true });
  const assets: Record<string, string> = {};
  for (const chunk of o.chunks) {
    const file = join(o.dir, chunk.name);
    writeFileSync(file, chunk.source);
    assets[chunk.name] = file;
    if (o.codeCache) {
      const cacheFile = `${file}.cache`;
      writeFileSync(cacheFile, o.warmCaches?.get(chunk.name) ?? new Script(wrapChunk(chunk.source), { filename: chunk.name }).createCachedData());
      assets[cacheAssetOf(chunk.name)] = cacheFile;
    }
  }
  const main = join(o.dir, "loader.cjs");
  writeFileSync(main, o.loader);
  const output = join(o.dir, "sea-prep.blob");
  const config = { main, output, disableExperimentalSEAWarning: true, useCodeCache: o.codeCache, assets };
  writeFileSync(join(o.dir, "sea-config.json"), JSON.stringify(config, null, 2));
  execFileSync(process.execPath, ["--experimental-sea-config", join(o.dir, "sea-config.json")], { stdio: ["ignore", "ignore", "inherit"] });
  return output;
}

/** Copies `node` to `out` with the blob injected, checks the result, and makes it executable (written via a temp name). */
export async function injectBlob(node: string, blob: string, out: string, target: Target): Promise<void> {
  mkdirSync(dirname(out), { recursive: true });
  const temp = `${out}.tmp-${process.pid}`;
  copyFileSync(node, temp);
  chmodSync(temp, 0o755);
  if (target.format === "macho") stripMachoSignature(temp);
  const blobData = readFileSync(blob);
  await postject.inject(temp, SEA_RESOURCE, blobData, { sentinelFuse: SEA_FUSE, ...(target.format === "macho" ? { machoSegmentName: "NODE_SEA" } : {}) });
  checkExecutable(readFileSync(temp), blobData, target);
  renameSync(temp, out);
}

/**
 * Node's macOS binaries are signed and the signature no longer matches once a section is added. Apple's codesign
 * exists only on macOS: the archive holds the unsigned binary and README says to sign it (`codesign --sign -`).
 */
function stripMachoSignature(file: string): void {
  try {
    execFileSync("codesign", ["--remove-signature", file], { stdio: "ignore" });
  } catch {
    // not on macOS: left as is (untested, see README)
  }
}

const ELF_MACHINE = { amd64: 0x3e, arm64: 0xb7 } as const;
const MACHO_CPU = { amd64: 0x01000007, arm64: 0x0100000c } as const;
const PE_MACHINE = { amd64: 0x8664, arm64: 0xaa64 } as const;

/** The executable's header names `target`'s format and architecture; throws saying what differs. */
export function checkHeader(file: Buffer, target: Target): void {
  const fail = (what: string): never => {
    throw new Error(`${target.name}: ${what}`);
  };
  if (target.format === "elf") {
    if (file.readUInt32BE(0) !== 0x7f454c46) fail("not an ELF file (no \\x7fELF magic)");
    if (file.readUInt16LE(18) !== ELF_MACHINE[target.arch]) fail(`ELF machine 0x${file.readUInt16LE(18).toString(16)} is not ${target.arch}`);
  } else if (target.format === "macho") {
    if (file.readUInt32LE(0) !== 0xfeedfacf) fail("not a 64-bit Mach-O file (no 0xfeedfacf magic)");
    if (file.readUInt32LE(4) !== MACHO_CPU[target.arch]) fail(`Mach-O CPU type 0x${file.readUInt32LE(4).toString(16)} is not ${target.arch}`);
  } else {
    if (file.toString("latin1", 0, 2) !== "MZ") fail("not a PE file (no MZ magic)");
    const pe = file.readUInt32LE(0x3c);
    if (file.readUInt32BE(pe) !== 0x50450000) fail("no PE signature");
    if (file.readUInt16LE(pe + 4) !== PE_MACHINE[target.arch]) fail(`PE machine 0x${file.readUInt16LE(pe + 4).toString(16)} is not ${target.arch}`);
  }
}

/** Format, the blob inside (byte for byte) and the fuse set, as Node's SEA start-up looks for them. */
export function checkExecutable(file: Buffer, blob: Buffer, target: Target): void {
  checkHeader(file, target);
  if (file.indexOf(blob) < 0) throw new Error(`${target.name}: the injected ${SEA_RESOURCE} is not in the executable`);
  if (file.indexOf(`${SEA_FUSE}:1`) < 0) throw new Error(`${target.name}: the SEA fuse is not set`);
}
