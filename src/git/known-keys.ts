// The key bundles `status` compares sealed values against: --keys files and the clusters pinned in
// .seal/clusters.yaml (written by src/git/pin-store.ts for fetch-keys; read here tolerantly, since it may be absent
// or partial, and by hand).
// Every bundle is signature-checked with the core's verifyBundle, against the pinned signer for pinned clusters.
import * as fs from "node:fs";
import * as path from "node:path";
import { verifyBundle } from "../bundle.js";
import { readBundleFile } from "../cli/bundle-files.js";
import type { KeyBundle } from "../types.js";
import { readObjects } from "./documents.js";
import { GitStoreError } from "./errors.js";
import { readRepoText } from "./git-fs.js";
import { KEY_FILE_BOUND } from "../cli/bounded-read.js";

type Loose = Record<string, unknown>;
const record = (value: unknown): Loose | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
const idList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];

/** Where the pinned clusters live, from the repository root. */
export const PINNED_CLUSTERS_FILE = ".seal/clusters.yaml";

/**
 * One cluster of .seal/clusters.yaml as read (tolerantly: fields that are missing or of the wrong type are left
 * out). The signer is the trust anchor; the bundle is whatever was saved with it, still to be verified.
 */
export interface PinnedCluster {
  name: string;
  /** Base64 Ed25519 public key that must sign this cluster's bundles. */
  signer: string;
  /** The saved bundle document (inline, or read from a path relative to the repository root). */
  bundle?: Loose;
  /** The path it was read from, when the pin names a file instead of holding the bundle inline. */
  bundlePath?: string;
  /** The kubeconfig context, server and controller namespace it was last fetched through. */
  context?: string;
  server?: string;
  controllerNamespace?: string;
  pinned?: string;
  fetched?: string;
  /** Every key id seen in this cluster's verified bundles, oldest first (the current ones included). */
  keyIds: string[];
  /** Key ids retired through `kubectl seal keys retire` (or listed by hand). */
  retired: string[];
}

export interface KnownKey {
  id: string;
  /** Cluster name, or the bundle file it came from. */
  source: string;
  expires?: string;
  retired: boolean;
  /** False for a pinned cluster's key that was in an earlier bundle but is no longer sealed to (rotated out). */
  current?: boolean;
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

// Retirement is not part of the signed bundle: it comes from the `retired: [key ids]` list of the pinned cluster
// (written by `kubectl seal keys retire`); --keys files are taken as signed.
function addBundle(known: KnownKeys, source: string, bundle: KeyBundle, retiredIds: string[]): void {
  for (const key of bundle.keys) {
    const entry: KnownKey = { id: key.id, source, retired: retiredIds.includes(key.id), ...(key.expires === undefined ? {} : { expires: key.expires }) };
    known.byId.set(key.id, [...(known.byId.get(key.id) ?? []), entry]);
  }
  known.sources.push({ source, keys: bundle.keys.length });
}

function readBundleDocument(file: string, hint: string): Loose {
  if (!fs.existsSync(file)) throw new GitStoreError(`key bundle ${file} does not exist`, hint);
  const text = readRepoText(file, "key bundle", KEY_FILE_BOUND); // anything else: one line naming the file and why
  const bundle = readObjects(text).objects.map((o) => o.object).find((o) => o.kind === "KeyBundle");
  if (!bundle) throw new GitStoreError(`${file} holds no KeyBundle`, "pass a bundle saved by `kubectl seal fetch-keys`");
  return bundle;
}

/** Bundles from `bundleFiles` plus every pinned cluster of the repository at `root` that has a bundle. */
export function loadKnownKeys(bundleFiles: string[], root: string | undefined): KnownKeys {
  const known: KnownKeys = { sources: [], withoutBundle: [], untrusted: [], byId: new Map() };
  for (const file of bundleFiles) addBundle(known, file, readBundleFile(file), []);
  if (root === undefined) return known;
  for (const pin of readPinnedClusters(root)) {
    if (!pin.bundle) {
      known.withoutBundle.push(pin.name);
      continue;
    }
    let bundle: KeyBundle;
    try {
      bundle = verifyBundle(pin.bundle, pin.signer);
    } catch (error) {
      known.untrusted.push({ cluster: pin.name, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    addBundle(known, pin.name, bundle, pin.retired);
    // Ids from earlier bundles: still this cluster's (they unseal until retired), no longer sealed to.
    const inBundle = new Set(bundle.keys.map((key) => key.id));
    for (const id of pin.keyIds.filter((id) => !inBundle.has(id))) {
      const entry: KnownKey = { id, source: pin.name, retired: pin.retired.includes(id), current: false };
      known.byId.set(id, [...(known.byId.get(id) ?? []), entry]);
    }
  }
  return known;
}

/**
 * The clusters pinned in the repository at `root` ([] when there is no pin file). Accepts `clusters: {name: pin}`
 * or the pins at the top level; entries without a signer are skipped. A bundle given as a path is read from it.
 */
export function readPinnedClusters(root: string): PinnedCluster[] {
  const pinnedFile = path.join(root, PINNED_CLUSTERS_FILE);
  if (!fs.existsSync(pinnedFile)) return [];
  const top = readObjects(readRepoText(pinnedFile, "pin file")).objects[0]?.object ?? {};
  const clusters = record(top.clusters) ?? top;
  const pins: PinnedCluster[] = [];
  for (const [name, value] of Object.entries(clusters)) {
    const entry = record(value);
    if (!entry || typeof entry.signer !== "string") continue;
    const pin: PinnedCluster = { name, signer: entry.signer, keyIds: idList(entry.keyIds), retired: idList(entry.retired) };
    for (const field of ["context", "server", "controllerNamespace", "pinned", "fetched"] as const) {
      const text = entry[field];
      if (typeof text === "string") pin[field] = text;
    }
    const inline = record(entry.bundle);
    if (inline) pin.bundle = inline;
    else if (typeof entry.bundle === "string" && entry.bundle !== "") {
      // A bundle path is relative to the repository root.
      pin.bundlePath = entry.bundle;
      pin.bundle = readBundleDocument(path.join(root, entry.bundle), `run \`kubectl seal fetch-keys --cluster ${name}\``);
    }
    pins.push(pin);
  }
  return pins;
}
