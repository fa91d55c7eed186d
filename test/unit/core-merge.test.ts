// --merge-into semantics and printing: untouched values stay byte-identical, and printing is stable.
import { beforeAll, describe, expect, test } from "vitest";
import { InputError, mergeSealed, parseManifests, printManifests, seal, sealedSecretFromManifest, unseal, type PrivateKey } from "../../src/index.js";
import { demoSecret, keyPair, text, thrown, utf8 } from "./core-fixtures.js";

let x: PrivateKey;
beforeAll(async () => {
  ({ x } = await keyPair());
});

describe("mergeSealed", () => {
  test("adds and replaces keys; every other entry is byte-for-byte unchanged", async () => {
    const existing = await seal(demoSecret(), [x], { scope: "strict" });
    const update = await seal(demoSecret({ data: { token: utf8("new"), extra: utf8("e") }, labels: undefined, type: undefined }), [x], { scope: "strict" });
    const merged = mergeSealed(existing, update);
    expect(merged.spec.encryptedData["password"]).toBe(existing.spec.encryptedData["password"]);
    expect(merged.spec.encryptedData["token"]).toBe(update.spec.encryptedData["token"]);
    expect(Object.keys(merged.spec.encryptedData).sort()).toEqual(["extra", "password", "token"]);
    expect(merged.spec.template).toEqual(existing.spec.template); // the update set no type or labels
    const { secret } = await unseal(merged, [x]);
    expect(text(secret.data["token"])).toBe("new");
    expect(text(secret.data["password"])).toBe(text(demoSecret().data["password"]));
  });

  test("printing the merge changes only the lines of the replaced key", async () => {
    const existing = await seal(demoSecret(), [x], { scope: "strict" });
    const update = await seal(demoSecret({ data: { token: utf8("new") } }), [x], { scope: "strict" });
    const before = printManifests([existing], "yaml").split("\n");
    const after = printManifests([mergeSealed(existing, update)], "yaml").split("\n");
    expect(after.length).toBe(before.length);
    const changed = after.filter((line, i) => line !== before[i]);
    expect(changed).toEqual([`    token: ${update.spec.encryptedData["token"]}`]);
  });

  test("refuses to merge across name, namespace or scope", async () => {
    const existing = await seal(demoSecret(), [x], { scope: "strict" });
    for (const [field, update] of [
      ["name", await seal(demoSecret({ name: "other" }), [x], { scope: "strict" })],
      ["namespace", await seal(demoSecret({ namespace: "other" }), [x], { scope: "strict" })],
      ["scope", await seal(demoSecret(), [x], { scope: "namespace" })],
    ] as const) {
      const error = await thrown(InputError, () => mergeSealed(existing, update));
      expect(error.message).toContain(`cannot merge a value sealed with ${field}`);
    }
  });

  test("a sealed file read back from YAML validates and merges", async () => {
    const existing = await seal(demoSecret(), [x], { scope: "strict" });
    const [doc] = parseManifests(printManifests([existing], "yaml"), "sealed.yaml");
    expect(sealedSecretFromManifest(doc, "sealed.yaml")).toEqual(existing);
    const error = await thrown(InputError, () => sealedSecretFromManifest({ ...existing, spec: { ...existing.spec, scope: "world" } }, "sealed.yaml"));
    expect(error.message).toMatch(/^sealed\.yaml: object has unknown spec\.scope "world"/);
  });
});

describe("printManifests", () => {
  test("Kubernetes key order first, the rest sorted, whatever the input order", () => {
    const obj = { spec: { sealedTo: {}, encryptedData: { b: "2", a: "1" }, scope: "strict" }, metadata: { namespace: "shop", name: "x" }, kind: "SealedSecret", apiVersion: "seal.dev/v1alpha1" };
    expect(printManifests([obj], "yaml")).toBe(
      "apiVersion: seal.dev/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: x\n  namespace: shop\nspec:\n  scope: strict\n  encryptedData:\n    a: \"1\"\n    b: \"2\"\n  sealedTo: {}\n",
    );
  });

  test("long base64 is never folded, YAML 1.1 booleans are quoted, several objects are separated", () => {
    const long = "QUFB".repeat(100);
    const out = printManifests([{ a: long, b: "yes" }, { c: "on" }], "yaml");
    expect(out).toBe(`a: ${long}\nb: "yes"\n---\nc: "on"\n`);
  });

  test("JSON: one object alone, several as a List", () => {
    expect(JSON.parse(printManifests([{ a: 1 }], "json"))).toEqual({ a: 1 });
    expect(JSON.parse(printManifests([{ a: 1 }, { b: 2 }], "json"))).toEqual({ apiVersion: "v1", kind: "List", items: [{ a: 1 }, { b: 2 }] });
  });
});
