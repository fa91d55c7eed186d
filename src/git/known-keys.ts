// The key bundles `status` compares sealed values against: --keys files and the clusters pinned in
// .seal/clusters.yaml (written by fetch-keys; read here tolerantly, since it may be absent or partial).
import * as fs from "node:fs";
import * as path from "node:path";
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
  byId: Map<string, KnownKey[]>;
}

type Loose = Record<string, unknown>;
const record = (value: unknown): Loose | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;

function addBundle(known: KnownKeys, source: string, bundle: Loose): void {
  const keys = Array.isArray(bundle.keys) ? bundle.keys.map(record).filter((k) => k !== undefined) : [];
  let count = 0;
  for (const key of keys) {
    if (typeof key.id !== "string") continue;
    const entry: KnownKey = {
      id: key.id,
      source,
      retired: key.retired === true || typeof key.retired === "string",
      ...(typeof key.expires === "string" ? { expires: key.expires } : {}),
    };
    known.byId.set(key.id, [...(known.byId.get(key.id) ?? []), entry]);
    count++;
  }
  known.sources.push({ source, keys: count });
}

function readBundleFile(file: string): Loose {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new GitStoreError(`cannot read key bundle ${file}`, "check the --keys path", { cause: error });
  }
  const bundle = readObjects(text).objects.map((o) => o.object).find((o) => o.kind === "KeyBundle");
  if (!bundle) {
    throw new GitStoreError(`${file} holds no KeyBundle`, "pass a bundle saved by `kubectl seal fetch-keys`");
  }
  return bundle;
}

/** Bundles from `bundleFiles` plus every pinned cluster of the repository at `root` that has a bundle. */
export function loadKnownKeys(bundleFiles: string[], root: string | undefined): KnownKeys {
  const known: KnownKeys = { sources: [], withoutBundle: [], byId: new Map() };
  for (const file of bundleFiles) addBundle(known, file, readBundleFile(file));
  const pinnedFile = root === undefined ? undefined : path.join(root, PINNED_CLUSTERS_FILE);
  if (!pinnedFile || !fs.existsSync(pinnedFile)) return known;
  const top = readObjects(fs.readFileSync(pinnedFile, "utf8")).objects[0]?.object ?? {};
  const clusters = record(top.clusters) ?? top; // either { clusters: {name: ...} } or {name: ...}
  for (const [name, value] of Object.entries(clusters)) {
    const pin = record(value);
    if (!pin || typeof pin.signer !== "string") continue;
    const inline = record(pin.bundle);
    if (inline) addBundle(known, name, inline);
    else if (typeof pin.bundle === "string" && pin.bundle !== "") {
      addBundle(known, name, readBundleFile(path.resolve(path.dirname(pinnedFile), "..", pin.bundle)));
    } else known.withoutBundle.push(name);
  }
  return known;
}
