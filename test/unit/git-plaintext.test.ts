import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { findPlaintext } from "../../src/git/plaintext.js";

const keyName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,15}$/);
// Values carry a marker no key name can contain, so any leak is visible.
const value = fc.string({ minLength: 0, maxLength: 40 }).map((s) => `VALUE#${s}`);
const secret = fc.record({
  name: keyName,
  data: fc.dictionary(keyName, value, { maxKeys: 4 }),
  stringData: fc.dictionary(keyName, value, { maxKeys: 4 }),
});
const other = fc.record({ apiVersion: fc.constant("v1"), kind: fc.constantFrom("ConfigMap", "Service"), data: fc.dictionary(keyName, value) });

describe("findPlaintext", () => {
  it("never throws, whatever the text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        findPlaintext("any.yaml", `kind: Secret\n${text}`);
      }),
    );
  });

  it("finds each Secret with data among other documents, with exactly its key names and no value", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(secret, other), { maxLength: 5 }), fc.boolean(), (docs, asJson) => {
        const objects = docs.map((doc) =>
          "name" in doc
            ? {
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name: doc.name },
                ...(Object.keys(doc.data).length ? { data: doc.data } : {}),
                ...(Object.keys(doc.stringData).length ? { stringData: doc.stringData } : {}),
              }
            : doc,
        );
        const text = asJson
          ? JSON.stringify({ apiVersion: "v1", kind: "List", items: objects })
          : objects.map((o) => stringify(o)).join("---\n");
        const { findings, unparsed } = findPlaintext(asJson ? "list.json" : "multi.yaml", text);
        expect(unparsed).toBe(0);
        const expected = docs.flatMap((doc, index) => {
          if (!("name" in doc)) return [];
          const keys = [...new Set([...Object.keys(doc.data), ...Object.keys(doc.stringData)])].sort();
          return keys.length === 0 ? [] : [{ at: index, name: doc.name, keys }];
        });
        expect(findings.map((f) => ({ at: asJson ? f.item : f.document, name: f.name, keys: f.keys }))).toEqual(expected);
        expect(JSON.stringify(findings)).not.toContain("VALUE#");
      }),
    );
  });
});
