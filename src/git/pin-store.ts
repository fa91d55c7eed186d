// The pin store, .seal/clusters.yaml at the repository root: the clusters this repository trusts, each with the
// Ed25519 identity that must sign its key bundles (pinned the first time the cluster is seen), the last verified
// bundle (for offline sealing with --cluster) and every key id seen in its bundles (so `status` and `reencrypt`
// know which ids belong to which cluster after rotations). known-keys.ts reads it; this file decides and writes.
//
// The file is committed, so it is only as trustworthy as the repository's write access: review changes to it
// like changes to CODEOWNERS. A bundle saved in it is verified against the pinned signer every time it is used.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { fingerprintOf, verifyBundle } from "../bundle.js";
import { BundleError } from "../errors.js";
import { rfc3339 } from "../keys.js";
import type { KeyBundle } from "../types.js";
import { writeFileAtomic } from "../cli/write-file.js";
import { PINNED_CLUSTERS_FILE, readPinnedClusters, type PinnedCluster } from "./known-keys.js";
import { readRepoText } from "./git-fs.js";

export type PinChange = "pinned" | "updated" | "unchanged" | "repinned";

/** A bundle just read from a cluster, and how it was reached. */
export interface ObservedBundle {
  /** The pin name: --cluster, or the kubeconfig context. */
  name: string;
  /** The bundle document as published (unverified). */
  document: unknown;
  context?: string;
  server?: string;
  controllerNamespace?: string;
  /** Accept a signer other than the pinned one (the cluster's identity was really replaced). */
  repin?: boolean;
  now?: Date;
}

export interface PinOutcome {
  pins: PinnedCluster[];
  pin: PinnedCluster;
  bundle: KeyBundle;
  change: PinChange;
  /** The signer pinned before, when `change` is "repinned". */
  previousSigner?: string;
}

/**
 * Checks a cluster's bundle against the pins and returns the pins with it recorded. A bundle from a signer other
 * than the pinned one is refused (BundleError naming both fingerprints) unless `repin` is set. Pure: writes nothing.
 */
export function pinBundle(pins: readonly PinnedCluster[], observed: ObservedBundle): PinOutcome {
  const existing = pins.find((pin) => pin.name === observed.name);
  const replacing = observed.repin === true && existing !== undefined && signerOf(observed.document) !== existing.signer;
  let bundle: KeyBundle;
  try {
    bundle = verifyBundle(observed.document, replacing ? undefined : existing?.signer);
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    const changed = existing !== undefined && error.message.includes("not by the pinned");
    throw new BundleError(
      `cluster ${observed.name}: ${problemOf(error)}`,
      changed
        ? `someone may be impersonating the cluster; if its identity key was really replaced, confirm the new fingerprint with the cluster's admin and run \`kubectl seal fetch-keys --cluster ${observed.name} --repin\``
        : error.hint,
      { cause: error },
    );
  }
  const now = rfc3339(observed.now ?? new Date());
  const sameBundle = existing?.bundle?.["signature"] === bundle.signature && !replacing;
  const seen = new Set(existing?.keyIds ?? []);
  const pin: PinnedCluster = {
    name: observed.name,
    signer: bundle.signer,
    ...pick(observed, existing, "context"),
    ...pick(observed, existing, "server"),
    ...pick(observed, existing, "controllerNamespace"),
    pinned: replacing ? now : (existing?.pinned ?? now),
    fetched: sameBundle ? (existing?.fetched ?? now) : now,
    keyIds: [...(existing?.keyIds ?? []), ...bundle.keys.map((key) => key.id).filter((id) => !seen.has(id))],
    retired: existing?.retired ?? [],
    bundle: { ...bundle },
  };
  const change: PinChange =
    existing === undefined ? "pinned"
    : replacing ? "repinned"
    : sameBundle && samePlace(existing, pin) && existing.bundlePath === undefined ? "unchanged"
    : "updated";
  const updated = existing === undefined ? [...pins, pin] : pins.map((p) => (p === existing ? pin : p));
  return { pins: updated, pin, bundle, change, ...(replacing ? { previousSigner: existing.signer } : {}) };
}

/** The pins of the repository at `root` after `update`, written back (atomically) when anything changed. */
export async function updatePins(root: string, update: (pins: PinnedCluster[]) => PinnedCluster[]): Promise<PinnedCluster[]> {
  const before = readPinnedClusters(root);
  const after = update(before);
  const text = formatPins(after);
  const file = path.join(root, PINNED_CLUSTERS_FILE);
  if (fs.existsSync(file) && readRepoText(file, "pin file") === text) return after;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, text);
  return after;
}

/** `ids` added to the key ids seen for cluster `name` (e.g. keys a controller reported opening values with). */
export function withKeyIds(pins: PinnedCluster[], name: string, ids: readonly string[]): PinnedCluster[] {
  return pins.map((pin) => (pin.name === name ? { ...pin, keyIds: [...new Set([...pin.keyIds, ...ids])] } : pin));
}

/** Key `id` of cluster `name` marked retired. */
export function withRetired(pins: PinnedCluster[], name: string, id: string): PinnedCluster[] {
  return pins.map((pin) => (pin.name === name ? { ...pin, retired: [...new Set([...pin.retired, id])] } : pin));
}

const HEADER = [
  "# Clusters this repository trusts, written by `kubectl seal fetch-keys` (and by sealing without --keys).",
  "# signer: the Ed25519 identity that must sign the cluster's key bundles; compare its fingerprint with the",
  "# cluster's admin. bundle: the last verified bundle (for `kubectl seal --cluster NAME`). keyIds: every key id",
  "# seen from the cluster. Commit this file, and review changes to it as carefully as changes to access rights.",
].join("\n");

/** The file's text: a comment, then `clusters:` with one entry per pin, in a fixed field order. */
export function formatPins(pins: readonly PinnedCluster[]): string {
  const clusters: Record<string, unknown> = {};
  for (const pin of pins) {
    Object.defineProperty(clusters, pin.name, {
      value: {
        signer: pin.signer,
        fingerprint: fingerprintOrUndefined(pin.signer),
        context: pin.context,
        server: pin.server,
        controllerNamespace: pin.controllerNamespace,
        pinned: pin.pinned,
        fetched: pin.fetched,
        keyIds: pin.keyIds,
        retired: pin.retired.length > 0 ? pin.retired : undefined,
        bundle: pin.bundle ?? pin.bundlePath,
      },
      enumerable: true,
    });
  }
  return `${HEADER}\n${stringify({ clusters }, { lineWidth: 0 })}`;
}

/** A SealError's message without its hint. */
function problemOf(error: BundleError): string {
  return error.hint === "" ? error.message : error.message.slice(0, -(error.hint.length + 2));
}

function signerOf(document: unknown): unknown {
  return typeof document === "object" && document !== null ? (document as Record<string, unknown>)["signer"] : undefined;
}

function fingerprintOrUndefined(signer: string): string | undefined {
  try {
    return fingerprintOf(signer);
  } catch {
    return undefined;
  }
}

type PlaceField = "context" | "server" | "controllerNamespace";
function pick(observed: ObservedBundle, existing: PinnedCluster | undefined, field: PlaceField): Partial<PinnedCluster> {
  const value = observed[field] ?? existing?.[field];
  return value === undefined ? {} : { [field]: value };
}

function samePlace(a: PinnedCluster, b: PinnedCluster): boolean {
  return a.context === b.context && a.server === b.server && a.controllerNamespace === b.controllerNamespace;
}
