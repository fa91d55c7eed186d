// `kubectl seal reencrypt`: re-seal values to the cluster's newest keys through Reencrypt SealRequests. Per value,
// recipients.ts decides whom to keep (only recipients the user vouches for); values with the same recipients in
// the same namespace travel together, as partial objects holding just those values (the binding line of a value
// does not depend on its neighbours). The new ciphertexts are written into the files in place (sealed-file.ts),
// each file all or nothing: a file with any refused or failed object is left untouched.
import { verifyBundle } from "../bundle.js";
import { SealError } from "../errors.js";
import { getOwn, setOwn } from "../records.js";
import type { SealedSecret } from "../types.js";
import { writeFileAtomic } from "../cli/write-file.js";
import { entryPlace, objectLabel, requestObject, type SealedFileText } from "./file-set.js";
import { defaultNamespace } from "./kube.js";
import { planValue, unexplainedMessage, type ClusterKeySet, type Vouched } from "./recipients.js";
import { askAboutObjects, type RequestOptions } from "./seal-requests.js";
import { applyUpdates, type EntryUpdate } from "./sealed-file.js";
import type { TrustedBundle } from "./trusted-bundle.js";

type PinnedCluster = import("../git/known-keys.js").PinnedCluster;

export type ReencryptState = "resealed" | "current" | "not-ours" | "failed";

export interface ReencryptRow {
  file: string;
  place: string;
  object: string;
  state: ReencryptState;
  /** Data keys re-sealed (resealed), or left alone because only other clusters hold their keys (not-ours). */
  values: string[];
  /** Key ids the re-sealed values are now sealed to. */
  sealedTo: string[];
  message?: string;
}

export interface ReencryptReport {
  cluster: string;
  rows: ReencryptRow[];
  /** Absolute paths of the files rewritten. */
  written: string[];
  /** Key ids the controller opened values with that the pin did not know yet (recorded in the pin). */
  learnedKeyIds: string[];
}

export interface ReencryptOptions extends RequestOptions {
  /** --recipient values by id. */
  recipients: ReadonlyMap<string, string>;
  now?: Date;
  onProgress?: (done: number, total: number) => void;
}

interface EntryWork {
  file: SealedFileText;
  row: ReencryptRow;
  /** Where the entry is (document, item) and the values re-sealed so far. */
  update: EntryUpdate;
  notOurs: Set<string>;
}

interface Group {
  namespace: string;
  recipients: string[];
  parts: Array<{ work: EntryWork; object: SealedSecret; unexplained: string[] }>;
}

/** The clusters the user vouches for besides the target: every other pin whose saved bundle verifies. */
export function otherClusters(pins: readonly PinnedCluster[], target: string): ClusterKeySet[] {
  return pins.flatMap((pin) => {
    if (pin.name === target || pin.bundle === undefined) return [];
    try {
      const { keys } = verifyBundle(pin.bundle, pin.signer);
      return [{ name: pin.name, keys, ids: new Set([...pin.keyIds, ...keys.map((k) => k.id)]) }];
    } catch {
      return []; // not trusted: its ids stay unexplained, and files sealed to them are refused
    }
  });
}

export async function reencryptFiles(
  trusted: TrustedBundle,
  others: readonly ClusterKeySet[],
  files: readonly SealedFileText[],
  options: ReencryptOptions,
): Promise<ReencryptReport> {
  const target: ClusterKeySet = { name: trusted.name, keys: trusted.bundle.keys, ids: new Set([...trusted.pin.keyIds, ...trusted.bundle.keys.map((k) => k.id)]) };
  const vouched: Vouched = { target, others, recipients: options.recipients, now: options.now ?? new Date() };
  const fallback = defaultNamespace(trusted.conn);
  const works: EntryWork[] = [];
  const groups = new Map<string, Group>();
  for (const file of files) {
    for (const entry of file.entries) {
      const object = objectLabel(entry.sealed, fallback);
      const row: ReencryptRow = { file: file.path, place: entryPlace(file, entry), object, state: "current", values: [], sealedTo: [] };
      const place = { document: entry.document, ...(entry.item === undefined ? {} : { item: entry.item }) };
      const work: EntryWork = { file, row, update: { ...place, encryptedData: {}, sealedTo: {} }, notOurs: new Set() };
      works.push(work);
      if (entry.problem !== undefined) {
        fail(row, `SealedSecret ${object} ${entry.problem}`);
        continue;
      }
      planEntry(work, entry.sealed, vouched, fallback, groups);
    }
  }

  const learned = new Set<string>();
  const total = [...groups.values()].reduce((sum, g) => sum + g.parts.length, 0);
  let before = 0;
  for (const group of groups.values()) {
    const live = group.parts.filter((p) => p.work.row.state !== "failed");
    if (live.length === 0) continue;
    const results = await askAboutObjects(
      trusted.conn,
      { action: "Reencrypt", namespace: group.namespace, objects: live.map((p) => p.object), recipients: group.recipients, onProgress: (done) => options.onProgress?.(before + done, total) },
      options,
    );
    before += live.length;
    live.forEach(({ work, unexplained }, i) => {
      const result = results[i];
      if (result?.ok !== true) return fail(work.row, result?.message ?? "the controller gave no answer for it");
      const opened = result.keyIds ?? [];
      for (const id of opened) if (!target.ids.has(id)) learned.add(id);
      const missing = unexplained.filter((id) => !opened.includes(id));
      if (missing.length > 0) return fail(work.row, unexplainedMessage(`SealedSecret ${work.row.object}`, missing, target.name));
      for (const [dataKey, file] of Object.entries(result.encryptedData ?? {})) {
        setOwn(work.update.encryptedData, dataKey, file);
        setOwn(work.update.sealedTo, dataKey, getOwn(result.sealedTo, dataKey) ?? []);
      }
    });
  }

  const written: string[] = [];
  for (const file of files) {
    const mine = works.filter((w) => w.file === file);
    settleRows(mine);
    if (mine.some((w) => w.row.state === "failed")) {
      for (const w of mine) if (w.row.state === "resealed") Object.assign(w.row, { state: "failed", message: "not written: another object in this file failed" });
      continue;
    }
    const updates = mine.filter((w) => w.row.state === "resealed").map((w) => w.update);
    if (updates.length === 0) continue;
    let text: string;
    try {
      text = applyUpdates(file.text, file.path, updates);
    } catch (error) {
      if (!(error instanceof SealError)) throw error;
      for (const w of mine) Object.assign(w.row, { state: "failed", message: `not written: ${error.message}` });
      continue;
    }
    await writeFileAtomic(file.absolute, text);
    written.push(file.absolute);
  }
  return { cluster: trusted.name, rows: works.map((w) => w.row), written, learnedKeyIds: [...learned] };
}

/** Sorts each value of the entry into a request group, or fails the entry with the planner's message. */
function planEntry(work: EntryWork, sealed: SealedSecret, vouched: Vouched, fallback: string, groups: Map<string, Group>): void {
  const namespace = sealed.metadata.namespace ?? fallback;
  const parts = new Map<string, { recipients: string[]; dataKeys: string[]; unexplained: Set<string> }>();
  for (const dataKey of Object.keys(sealed.spec.encryptedData)) {
    const plan = planValue(getOwn(sealed.spec.sealedTo, dataKey), vouched, `SealedSecret ${work.row.object} key ${dataKey}`);
    if (plan.kind === "refused") return fail(work.row, plan.message);
    if (plan.kind === "not-ours") work.notOurs.add(dataKey);
    if (plan.kind !== "reseal") continue;
    const key = plan.recipients.join(" ");
    const part = parts.get(key) ?? { recipients: plan.recipients, dataKeys: [], unexplained: new Set<string>() };
    part.dataKeys.push(dataKey);
    for (const id of plan.unexplained) part.unexplained.add(id);
    parts.set(key, part);
  }
  for (const [key, part] of parts) {
    const encryptedData: Record<string, string> = {};
    const sealedTo: Record<string, string[]> = {};
    for (const dataKey of part.dataKeys) {
      setOwn(encryptedData, dataKey, getOwn(sealed.spec.encryptedData, dataKey) ?? "");
      setOwn(sealedTo, dataKey, getOwn(sealed.spec.sealedTo, dataKey) ?? []);
    }
    const object = requestObject(sealed, fallback, { ...sealed.spec, encryptedData, sealedTo });
    const groupKey = `${namespace} ${key}`;
    const group = groups.get(groupKey) ?? { namespace, recipients: part.recipients, parts: [] };
    group.parts.push({ work, object, unexplained: [...part.unexplained] });
    groups.set(groupKey, group);
  }
}

function fail(row: ReencryptRow, message: string): void {
  if (row.state === "failed") return;
  row.state = "failed";
  row.message = message;
}

/** Each row's final state and values from what was planned and answered. */
function settleRows(works: readonly EntryWork[]): void {
  for (const { row, update, notOurs } of works) {
    if (row.state === "failed") continue;
    const resealed = Object.keys(update.encryptedData);
    if (resealed.length > 0) {
      row.state = "resealed";
      row.values = resealed.sort();
      row.sealedTo = [...new Set(Object.values(update.sealedTo).flat())].sort();
    } else if (notOurs.size > 0) {
      row.state = "not-ours";
      row.values = [...notOurs].sort();
    }
  }
}
