// Offline halves of reencrypt: whom a value stays sealed to (only vouched recipients, never the file's word), and
// writing re-sealed values back into a file in place (other bytes identical, checked against mergeSealed).
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { generateKey, keyIdOf, mergeSealed, publicKeyOf, type PrivateKey, type PublicKey, type SealedSecret } from "../../src/index.js";
import { planValue, vouchedRecipients, type ClusterKeySet, type Vouched } from "../../src/cluster/recipients.js";
import { applyUpdates, sealedEntriesOf } from "../../src/cluster/sealed-file.js";
import { batches } from "../../src/cluster/seal-requests.js";
import { MAX_REQUEST_BYTES, MAX_REQUEST_OBJECTS } from "../../src/sealrequest.js";

let prod: ClusterKeySet;
let staging: ClusterKeySet;
let pqOnly: ClusterKeySet;
let old: PrivateKey;
let recovery: PrivateKey;
const now = new Date("2026-11-25T00:00:00Z");

beforeAll(async () => {
  const [p1, p2, s1, pq, o, rec] = await Promise.all([
    generateKey("x25519"),
    generateKey("mlkem768x25519"),
    generateKey("x25519"),
    generateKey("mlkem768x25519"),
    generateKey("x25519"),
    generateKey("x25519"),
  ]);
  [old, recovery] = [o, rec];
  const set = (name: string, keys: PublicKey[], extra: string[] = []): ClusterKeySet => ({ name, keys, ids: new Set([...keys.map((k) => k.id), ...extra]) });
  prod = set("prod", [publicKeyOf(p1), publicKeyOf(p2)], [old.id]);
  staging = set("staging", [publicKeyOf(s1)]);
  pqOnly = set("pq", [publicKeyOf(pq)]);
});

const vouched = (over: Partial<Vouched> = {}): Vouched => ({ target: prod, others: [staging], recipients: new Map(), now, ...over });
const idsOf = (set: ClusterKeySet, type: string) => set.keys.filter((k) => k.type === type).map((k) => k.id);

describe("planValue", () => {
  it("re-seals a value on an old key to the current keys, keeping other pinned clusters and --recipient keys", () => {
    expect(planValue([old.id], vouched(), "v")).toEqual({ kind: "reseal", recipients: [], unexplained: [] });
    const stagingRecipient = staging.keys[0]!.recipient;
    expect(planValue([old.id, staging.keys[0]!.id], vouched(), "v")).toEqual({ kind: "reseal", recipients: [stagingRecipient], unexplained: [] });
    const withRecovery = vouched({ recipients: vouchedRecipients([recovery.recipient]) });
    expect(planValue([old.id, recovery.id], withRecovery, "v")).toEqual({ kind: "reseal", recipients: [recovery.recipient], unexplained: [] });
  });

  it("leaves values that are current or that only other clusters can open", () => {
    expect(planValue(idsOf(prod, "mlkem768x25519"), vouched(), "v")).toEqual({ kind: "current" });
    expect(planValue([...idsOf(prod, "x25519"), staging.keys[0]!.id], vouched(), "v")).toEqual({ kind: "current" });
    expect(planValue([staging.keys[0]!.id], vouched(), "v")).toEqual({ kind: "not-ours", clusters: ["staging"] });
  });

  it("never takes a recipient from the file: unknown ids are carried for the controller to prove, or refuse the value", () => {
    expect(planValue([old.id, "f00dfeedf00dfeed"], vouched(), "v")).toEqual({ kind: "reseal", recipients: [], unexplained: ["f00dfeedf00dfeed"] });
    expect(planValue(undefined, vouched(), "SealedSecret a/b key k")).toMatchObject({ kind: "refused", message: expect.stringMatching(/^SealedSecret a\/b key k has no spec.sealedTo/) });
    expect(planValue([old.id, pqOnly.keys[0]!.id], vouched({ others: [pqOnly], recipients: vouchedRecipients([recovery.recipient]) }), "v")).toMatchObject({ kind: "reseal" });
    const mixed = planValue([old.id, pqOnly.keys[0]!.id, recovery.id], vouched({ others: [pqOnly], recipients: vouchedRecipients([recovery.recipient]) }), "v");
    expect(mixed).toMatchObject({ kind: "refused", message: expect.stringContaining("no key type in common") });
    expect(() => vouchedRecipients(["not-a-recipient"])).toThrow(/--recipient: "not-a-recipient" is not an age/);
  });
});

function sealedDoc(name: string, values: Record<string, string>, ids: string[]): SealedSecret {
  return {
    apiVersion: "seal.dev/v1alpha1",
    kind: "SealedSecret",
    metadata: { name, namespace: "shop" },
    spec: { scope: "strict", encryptedData: values, sealedTo: Object.fromEntries(Object.keys(values).map((k) => [k, ids])) },
  };
}

describe("applyUpdates", () => {
  const base64 = fc.base64String({ minLength: 4, maxLength: 60 }).filter((s) => s.length > 0);
  const dataKey = fc.stringMatching(/^[a-z][-._a-z0-9]{0,12}$/);
  const id = fc.stringMatching(/^[0-9a-f]{16}$/);

  it("changes only the updated values and their sealedTo, in YAML (block, flow, comments, Lists) and JSON (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.dictionary(dataKey, base64, { minKeys: 1, maxKeys: 5 }),
        fc.array(id, { minLength: 1, maxLength: 3 }),
        fc.array(id, { minLength: 1, maxLength: 3 }),
        base64,
        fc.constantFrom("block", "flow", "json", "list"),
        (values, oldIds, newIds, fresh, layout) => {
          const doc = sealedDoc("db", values, oldIds);
          const other = sealedDoc("other", values, oldIds);
          const text =
            layout === "json" ? JSON.stringify({ apiVersion: "v1", kind: "List", items: [other, doc] }, null, 2)
            : layout === "list" ? `# keep me\n${stringify({ apiVersion: "v1", kind: "List", items: [other, doc] }, { aliasDuplicateObjects: false })}`
            : `# keep me\n${stringify(other, { collectionStyle: layout, aliasDuplicateObjects: false })}---\n${stringify(doc, { collectionStyle: layout, aliasDuplicateObjects: false })}`;
          const entries = sealedEntriesOf(text, "f");
          const target = entries.find((e) => e.sealed.metadata.name === "db")!;
          const [first] = Object.keys(values);
          const update = { document: target.document, ...(target.item === undefined ? {} : { item: target.item }), encryptedData: { [first!]: fresh }, sealedTo: { [first!]: newIds } };
          const out = applyUpdates(text, "f", [update]);
          const after = sealedEntriesOf(out, "f");
          expect(after.find((e) => e.sealed.metadata.name === "db")?.sealed).toEqual(mergeSealed(doc, { ...doc, spec: { scope: "strict", encryptedData: update.encryptedData, sealedTo: update.sealedTo } }));
          expect(after.find((e) => e.sealed.metadata.name === "other")?.sealed).toEqual(other);
          if (layout !== "json") expect(out.startsWith("# keep me\n")).toBe(true);
          // Every line that does not hold the changed value or one of its ids is kept as it was.
          const changed = (line: string) => line.includes(fresh) || newIds.some((i) => line.includes(i)) || line.includes(values[first!]!) || oldIds.some((i) => line.includes(i));
          expect(out.split("\n").filter((l) => !changed(l))).toEqual(text.split("\n").filter((l) => !changed(l)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("refuses rather than guess when an entry to update is missing or shared through a YAML alias", () => {
    const shared = stringify({ apiVersion: "v1", kind: "List", items: [sealedDoc("a", { k: "YWdl" }, ["1"]), sealedDoc("b", { k: "YWdl" }, ["1"])].map((d, i, all) => (i === 1 ? { ...d, spec: { ...d.spec, encryptedData: all[0]!.spec.encryptedData } } : d)) });
    expect(shared).toContain("*a1");
    const target = sealedEntriesOf(shared, "s.yaml")[1]!;
    expect(() => applyUpdates(shared, "s.yaml", [{ document: 0, item: target.item!, encryptedData: { k: "YWdm" }, sealedTo: { k: ["2"] } }])).toThrow(
      "s.yaml: spec.encryptedData is a YAML alias or anchor: write the values out instead of using anchors and aliases, then run the command again",
    );
    const text = stringify({ ...sealedDoc("db", { a: "YWdl" }, ["1111aaaa2222bbbb"]), spec: { scope: "strict", encryptedData: { a: "YWdl" } } });
    expect(() => applyUpdates(text, "f.yaml", [{ document: 0, encryptedData: { a: "YWdm" }, sealedTo: { a: ["x"] } }])).toThrow(/f\.yaml: spec\.sealedTo\.a is missing/);
    expect(parse(text)).toBeTruthy();
  });
});

describe("batches", () => {
  it("cuts at the object count and the byte limit of one request", () => {
    const small = Array.from({ length: MAX_REQUEST_OBJECTS + 1 }, (_, i) => sealedDoc(`s${i}`, { a: "YWdl" }, ["1"]));
    expect(batches(small).map((b) => b.length)).toEqual([MAX_REQUEST_OBJECTS, 1]);
    const big = Array.from({ length: 3 }, (_, i) => sealedDoc(`b${i}`, { a: "A".repeat(MAX_REQUEST_BYTES / 2 + 100) }, ["1"]));
    expect(batches(big).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(() => batches([sealedDoc("huge", { a: "A".repeat(MAX_REQUEST_BYTES) }, ["1"])])).toThrow(/SealedSecret shop\/huge is larger than one SealRequest may carry/);
    expect(keyIdOf("x")).toHaveLength(16);
  });
});
