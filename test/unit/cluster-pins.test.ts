// The pin store (.seal/clusters.yaml): first sight pins, a changed signer is refused naming both fingerprints,
// key id history survives rotations, and what is written reads back (known-keys.ts) the same; sealing keys for
// several pinned clusters come from their saved bundles only.
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { fingerprintOf, generateKey, generateSigner, publicKeyOf, signBundle, type PrivateKey, type Signer } from "../../src/index.js";
import { loadKnownKeys, PINNED_CLUSTERS_FILE, readPinnedClusters } from "../../src/git/known-keys.js";
import { formatPins, pinBundle, updatePins, withKeyIds, withRetired } from "../../src/git/pin-store.js";
import { sealedStatus } from "../../src/git/status.js";
import { sealingKeysFromClusters, unionForSealing } from "../../src/cluster/sealing-keys.js";
import { makeRepo, type TempRepo } from "./git-fixtures.js";

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.remove();
});

let prod: Signer;
let impostor: Signer;
let k1: PrivateKey;
let k2: PrivateKey;
let pq: PrivateKey;
beforeAll(async () => {
  [prod, impostor] = [generateSigner(), generateSigner()];
  [k1, k2, pq] = await Promise.all([generateKey("x25519"), generateKey("x25519"), generateKey("mlkem768x25519")]);
});

const bundleOf = (signer: Signer, keys: PrivateKey[]) => signBundle(keys.map(publicKeyOf), signer.secretKey);
const now = new Date("2026-11-25T00:00:00Z");

describe("pinBundle", () => {
  it("pins on first sight, keeps the history of key ids across rotations and refuses another signer", () => {
    const first = pinBundle([], { name: "prod", document: bundleOf(prod, [k1]), context: "admin@prod", now });
    expect(first.change).toBe("pinned");
    expect(first.pin).toMatchObject({ name: "prod", signer: prod.publicKey, context: "admin@prod", keyIds: [k1.id], pinned: "2026-11-25T00:00:00Z" });

    const same = pinBundle(first.pins, { name: "prod", document: first.bundle, context: "admin@prod", now: new Date() });
    expect(same.change).toBe("unchanged");
    expect(same.pin.fetched).toBe(first.pin.fetched);

    const rotated = pinBundle(first.pins, { name: "prod", document: bundleOf(prod, [k2]), now: new Date("2026-12-01T00:00:00Z") });
    expect(rotated.change).toBe("updated");
    expect(rotated.pin).toMatchObject({ keyIds: [k1.id, k2.id], pinned: "2026-11-25T00:00:00Z", fetched: "2026-12-01T00:00:00Z", context: "admin@prod" });

    const attack = () => pinBundle(rotated.pins, { name: "prod", document: bundleOf(impostor, [k1]) });
    expect(attack).toThrow(`cluster prod: key bundle is signed by ${fingerprintOf(impostor.publicKey)}, not by the pinned ${fingerprintOf(prod.publicKey)}`);
    expect(attack).toThrow(/--cluster prod --repin/);

    const repinned = pinBundle(rotated.pins, { name: "prod", document: bundleOf(impostor, [k1]), repin: true });
    expect(repinned.change).toBe("repinned");
    expect(repinned.previousSigner).toBe(prod.publicKey);
    expect(repinned.pin.signer).toBe(impostor.publicKey);
  });

  it("refuses a bundle whose signature does not verify, even on first sight", () => {
    const bundle = { ...bundleOf(prod, [k1]), issued: "2020-01-01T00:00:00Z" };
    expect(() => pinBundle([], { name: "prod", document: bundle })).toThrow(/^cluster prod: key bundle signed by SHA256:\S+ has an invalid signature/);
  });
});

describe("the pin file", () => {
  it("written by updatePins reads back with its bundle, history and retired ids; status knows old keys", async () => {
    const repo = makeRepo();
    repos.push(repo);
    await updatePins(repo.dir, (pins) => pinBundle(pins, { name: "prod", document: bundleOf(prod, [k1]), server: "https://prod" }).pins);
    await updatePins(repo.dir, (pins) => withRetired(withKeyIds(pinBundle(pins, { name: "prod", document: bundleOf(prod, [k2]) }).pins, "prod", ["k-extra"]), "prod", "k-extra"));
    const [pin] = readPinnedClusters(repo.dir);
    expect(pin).toMatchObject({ name: "prod", signer: prod.publicKey, server: "https://prod", keyIds: [k1.id, k2.id, "k-extra"], retired: ["k-extra"] });
    expect(fs.readFileSync(path.join(repo.dir, PINNED_CLUSTERS_FILE), "utf8")).toContain(`fingerprint: ${fingerprintOf(prod.publicKey)}`);

    const known = loadKnownKeys([], repo.dir);
    expect(known.byId.get(k2.id)).toEqual([{ id: k2.id, source: "prod", retired: false }]);
    expect(known.byId.get(k1.id)).toEqual([{ id: k1.id, source: "prod", retired: false, current: false }]);
    expect(known.byId.get("k-extra")?.[0]?.retired).toBe(true);

    repo.write("apps/db.yaml", stringify({
      apiVersion: "seal.dev/v1alpha1",
      kind: "SealedSecret",
      metadata: { name: "db", namespace: "shop" },
      spec: { scope: "strict", encryptedData: { a: "YWdl", b: "YWdl" }, sealedTo: { a: [k1.id], b: [k2.id] } },
    }));
    const report = await sealedStatus({ target: repo.dir });
    expect(report.objects[0]?.values.map((v) => [v.key, v.state, v.clusters])).toEqual([
      ["a", "old-key", ["prod"]],
      ["b", "ok", ["prod"]],
    ]);
  });

  it("round-trips any cluster names and key id lists (fast-check)", () => {
    const bundle = bundleOf(prod, [k1]);
    const name = fc.stringMatching(/^[a-z0-9][-a-z0-9@._]{0,30}$/);
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 4 }), fc.array(fc.stringMatching(/^[0-9a-f]{16}$/), { maxLength: 5 }), (names, ids) => {
        const repo = makeRepo();
        try {
          const pins = names.map((n) => ({ name: n, signer: prod.publicKey, keyIds: ids, retired: [], bundle: { ...bundle } }));
          repo.write(PINNED_CLUSTERS_FILE, formatPins(pins));
          // Order is not kept for names that look like numbers (JavaScript puts integer keys first): compare by name.
          const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
          expect(readPinnedClusters(repo.dir).sort(byName)).toEqual(pins.sort(byName));
        } finally {
          repo.remove();
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe("sealing keys for pinned clusters", () => {
  it("unions the saved bundles offline, and names what to do when a cluster is not pinned or not trusted", async () => {
    const repo = makeRepo();
    repos.push(repo);
    const staging = generateSigner();
    await updatePins(repo.dir, (pins) => pinBundle(pinBundle(pins, { name: "prod", document: bundleOf(prod, [k1]) }).pins, { name: "staging", document: bundleOf(staging, [k2]) }).pins);
    const notes: string[] = [];
    const request = { clusters: ["prod", "staging"], cwd: path.join(repo.dir), controllerNamespace: "kubectl-seal", note: (l: string) => notes.push(l) };
    const { keys, sources } = await sealingKeysFromClusters(request);
    expect(keys.map((k) => k.id)).toEqual([k1.id, k2.id]);
    expect(sources).toEqual(["prod", "staging"]);

    await expect(sealingKeysFromClusters({ ...request, clusters: ["dev"] })).rejects.toThrow(
      "cluster dev is not pinned in .seal/clusters.yaml (pinned: prod, staging): pin it with `kubectl seal fetch-keys --cluster dev --context CONTEXT`",
    );
    await expect(sealingKeysFromClusters({ ...request, context: "x" })).rejects.toThrow(/--cluster seals to the bundles saved/);
    // A saved bundle swapped for one signed by someone else is not used.
    const text = fs.readFileSync(path.join(repo.dir, PINNED_CLUSTERS_FILE), "utf8");
    repo.write(PINNED_CLUSTERS_FILE, text.replace(`signer: ${staging.publicKey}`, `signer: ${prod.publicKey}`));
    await expect(sealingKeysFromClusters(request)).rejects.toThrow(/saved bundle of cluster staging in \.seal\/clusters\.yaml is not trusted: key bundle is signed by/);
    expect(notes).toEqual([]);
  });

  it("keeps one key type every cluster offers, and drops expired keys", () => {
    const pqKey = publicKeyOf(pq);
    const both = [pqKey, publicKeyOf(k1)];
    expect(unionForSealing([{ name: "a", keys: both }, { name: "b", keys: [publicKeyOf(k2)] }], now).map((k) => k.id)).toEqual([k1.id, k2.id]);
    expect(unionForSealing([{ name: "a", keys: both }, { name: "b", keys: both }], now).map((k) => k.id)).toEqual([pq.id, k1.id]);
    expect(() => unionForSealing([{ name: "a", keys: [pqKey] }, { name: "b", keys: [publicKeyOf(k2)] }], now)).toThrow(/no key type in common \(a: mlkem768x25519; b: x25519\)/);
    const expired = { ...publicKeyOf(k2), expires: "2026-01-01T00:00:00Z" };
    expect(() => unionForSealing([{ name: "b", keys: [expired] }], now)).toThrow("every key in the saved bundle of cluster b has expired");
  });
});
