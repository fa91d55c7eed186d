// Whom a re-sealed value goes to. A value's spec.sealedTo says which keys it was sealed to, but the file is not
// trusted (anyone with Git write access could add their own id and have the next re-encryption seal to them), so
// an id only counts if something the user vouches for explains it:
//   - the target cluster's keys: its current bundle and the ids seen in its earlier bundles (pin history);
//   - another pinned cluster: the value is sealed to that cluster's current keys (its verified, pinned bundle);
//   - a --recipient given on the command line (its id is derived from it, docs/FORMAT.md section 4).
// An id nothing explains makes the value's file refused, naming the id and the fix.
import { InputError, SealError } from "../errors.js";
import { keyIdOf, keyTypeOf } from "../keys.js";
import type { KeyType, PublicKey } from "../types.js";

export interface ClusterKeySet {
  name: string;
  /** Current keys (the verified bundle). */
  keys: readonly PublicKey[];
  /** Every id known to be this cluster's: the current ones and those from earlier bundles. */
  ids: ReadonlySet<string>;
}

export interface Vouched {
  target: ClusterKeySet;
  others: readonly ClusterKeySet[];
  /** --recipient values by id. */
  recipients: ReadonlyMap<string, string>;
  now: Date;
}

export type ValuePlan =
  /** Nothing to do: already sealed to exactly these recipients and the target's current keys. */
  | { kind: "current" }
  /** Sealed only to others' keys: the target cluster cannot open it. */
  | { kind: "not-ours"; clusters: string[] }
  /** Re-seal with these extra recipients; `unexplained` ids must be proven the target's by the controller. */
  | { kind: "reseal"; recipients: string[]; unexplained: string[] }
  | { kind: "refused"; message: string };

/** --recipient values by their ids; an InputError for anything that is not an age recipient. */
export function vouchedRecipients(flags: readonly string[]): Map<string, string> {
  const byId = new Map<string, string>();
  for (const recipient of flags) {
    keyTypeOf(recipient, "--recipient"); // refuses anything but an age recipient, naming the flag
    byId.set(keyIdOf(recipient), recipient);
  }
  return byId;
}

/** What to do with one value sealed to `sealedTo` (undefined: spec.sealedTo has no entry for it). */
export function planValue(sealedTo: readonly string[] | undefined, vouched: Vouched, where: string): ValuePlan {
  if (sealedTo === undefined || sealedTo.length === 0) {
    return { kind: "refused", message: `${where} has no spec.sealedTo, so whom to keep it sealed to is unknown: reseal it from the Secret with kubectl seal` };
  }
  const ours = sealedTo.filter((id) => vouched.target.ids.has(id));
  const clusters = new Map<string, ClusterKeySet>();
  const extra = new Set<string>();
  const unexplained: string[] = [];
  for (const id of sealedTo) {
    if (vouched.target.ids.has(id)) continue;
    const other = vouched.others.find((c) => c.ids.has(id));
    const recipient = vouched.recipients.get(id);
    if (other !== undefined) clusters.set(other.name, other);
    else if (recipient !== undefined) extra.add(recipient);
    else unexplained.push(id);
  }
  if (ours.length === 0 && unexplained.length === 0) return { kind: "not-ours", clusters: [...clusters.keys()] };
  let recipients: string[];
  try {
    const type = commonType([vouched.target, ...clusters.values()], [...extra], vouched.now);
    recipients = [...new Set([...[...clusters.values()].flatMap((c) => live(c.keys, vouched.now, type).map((k) => k.recipient)), ...extra])].sort();
    const expected = new Set([...live(vouched.target.keys, vouched.now, type).map((k) => k.id), ...recipients.map(keyIdOf)]);
    if (unexplained.length === 0 && sealedTo.length === expected.size && sealedTo.every((id) => expected.has(id))) return { kind: "current" };
  } catch (error) {
    if (error instanceof SealError) return { kind: "refused", message: `${where}: ${error.message}` };
    throw error;
  }
  return { kind: "reseal", recipients, unexplained };
}

/** The message for ids the controller did not prove to be the target cluster's. */
export function unexplainedMessage(where: string, ids: readonly string[], target: string): string {
  return (
    `${where} is sealed to key ${ids.join(", ")}, which is not a key of cluster ${target}, of another pinned cluster or a --recipient: ` +
    `pass --recipient age1... for it to keep it (or fetch-keys the cluster it belongs to); it is never taken from the file`
  );
}

function live(keys: readonly PublicKey[], now: Date, type?: KeyType): PublicKey[] {
  return keys.filter((k) => (k.expires === undefined || Date.parse(k.expires) > now.getTime()) && (type === undefined || k.type === type));
}

/**
 * One key type for the whole value (age never mixes post-quantum and classic recipients): post-quantum when
 * every cluster involved offers it and no --recipient is classic, else X25519, which then every cluster must offer.
 */
function commonType(clusters: readonly ClusterKeySet[], extra: readonly string[], now: Date): KeyType {
  const extraTypes = new Set(extra.map((r) => keyTypeOf(r)));
  const offers = (type: KeyType): boolean => clusters.every((c) => live(c.keys, now, type).length > 0) && [...extraTypes].every((t) => t === type);
  if (offers("mlkem768x25519")) return "mlkem768x25519";
  if (offers("x25519")) return "x25519";
  const described = clusters.map((c) => `${c.name}: ${[...new Set(live(c.keys, now).map((k) => k.type))].join("+") || "no current key"}`);
  throw new InputError(
    `its recipients have no key type in common (${[...described, ...[...extraTypes].map((t) => `--recipient: ${t}`)].join("; ")})`,
    "one value cannot mix post-quantum and classic recipients; seal it for these clusters separately",
  );
}
