// The key bundles `status` compares sealed values against: --keys files and the clusters pinned in
// .seal/clusters.yaml (written by fetch-keys; read here tolerantly, since it may be absent or partial).
// Every bundle is signature-checked with the core's verifyBundle, against the pinned signer for pinned clusters.
import * as fs from "node:fs";
import * as path from "node:path";
import { verifyBundle } from "../bundle.js";
import { SealError } from "../errors.js";
import type { KeyBundle } from "../types.js";
import { readObjects } from "./documents.js";
import { GitStoreError } from "./errors.js";

/** Where the pinned clusters live, from the repository root. */
export const PINNED_CLUSTERS_FILE = ".seal/clusters.yaml";

export interface KnownKey {
  id: string;
  /** Cluster name, or the bundle file it came from. */
  source: string;
  expires?: string;
  retired: boolean;
}

export interface KnownKeys {
  /** Bundle sources read, with how many keys each gave. */
  sources: Array<{ source: string; keys: number }>;
  /** Pinned clusters that have no bundle saved, so their keys are not known. */
  withoutBundle: string[];
  /** Pinned clusters whose saved bundle does not verify against the pinned signer: their keys are not used. */
  untrusted: Array<{ cluster: string; reason: string }>;
  byId: Map<string, KnownKey[]>;
}

type Loose = Record<string, unknown>;
const record = (value: unknown): Loose | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
const idList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];

// Retirement is not part of the signed bundle: it is read from a `retired: true` beside a key, or from a
// `retired: [key ids]` list on the pinned cluster.
function addBundle(known: KnownKeys, source: string, raw: Loose, bundle: KeyBundle, retiredIds: string[]): void {
  const rawKeys = Array.isArray(raw.keys) ? raw.keys.map(record) : [];
  bundle.keys.forEach((key, index) => {
    const flagged = rawKeys[index]?.retired;
    const entry: KnownKey = {
      id: key.id,
      source,
      retired: retiredIds.includes(key.id) || flagged === true || typeof flagged === "string",
      ...(key.expires === undefined ? {} : { expires: key.expires }),
    };
    known.byId.set(key.id, [...(known.byId.get(key.id) ?? []), entry]);
  });
  known.sources.push({ source, keys: bundle.keys.length });
}

function readBundleDocument(file: string, hint: string): Loose {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new GitStoreError(`cannot read key bundle ${file}`, hint, { cause: error });
  }
  const bundle = readObjects(text).objects.map((o) => o.object).find((o) => o.kind === "KeyBundle");
  if (!bundle) throw new GitStoreError(`${file} holds no KeyBundle`, "pass a bundle saved by `kubectl seal fetch-keys`");
  return bundle;
}

/** Bundles from `bundleFiles` plus every pinned cluster of the repository at `root` that has a bundle. */
export function loadKnownKeys(bundleFiles: string[], root: string | undefined): KnownKeys {
  const known: KnownKeys = { sources: [], withoutBundle: [], untrusted: [], byId: new Map() };
  for (const file of bundleFiles) {
    const raw = readBundleDocument(file, "check the --keys path");
    let bundle: KeyBundle;
    try {
      bundle = verifyBundle(raw);
    } catch (error) {
      throw new SealError(`${file}: ${error instanceof Error ? error.message : String(error)}`, "", { cause: error });
    }
    addBundle(known, file, raw, bundle, []);
  }
  const pinnedFile = root === undefined ? undefined : path.join(root, PINNED_CLUSTERS_FILE);
  if (!pinnedFile || !fs.existsSync(pinnedFile)) return known;
  const top = readObjects(fs.readFileSync(pinnedFile, "utf8")).objects[0]?.object ?? {};
  const clusters = record(top.clusters) ?? top; // either { clusters: {name: ...} } or {name: ...}
  for (const [name, value] of Object.entries(clusters)) {
    const pin = record(value);
    if (!pin || typeof pin.signer !== "string") continue;
    let raw = record(pin.bundle);
    if (!raw && typeof pin.bundle === "string" && pin.bundle !== "") {
      // A bundle path is relative to the repository root.
      raw = readBundleDocument(path.join(root!, pin.bundle), `run \`kubectl seal fetch-keys\` for cluster ${name}`);
    }
    if (!raw) {
      known.withoutBundle.push(name);
      continue;
    }
    try {
      addBundle(known, name, raw, verifyBundle(raw, pin.signer), idList(pin.retired));
    } catch (error) {
      known.untrusted.push({ cluster: name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return known;
}
