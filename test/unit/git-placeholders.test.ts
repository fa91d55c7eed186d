import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { isPlaceholderValue } from "../../src/git/placeholders.js";
import { findPlaintext } from "../../src/git/plaintext.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");
const secret = (values: { data?: Record<string, unknown>; stringData?: Record<string, unknown> }) =>
  stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, ...values });
// Real-looking values: letters and digits with at least one of each, never a placeholder word or shape.
const realValue = fc
  .stringMatching(/^[A-Za-z0-9+/_.@:-]{6,40}$/)
  .filter((v) => /[0-9]/.test(v) && /[A-Za-z]/.test(v) && !/^(x+|\*+)$/i.test(v));

describe("isPlaceholderValue", () => {
  it("knows the placeholder words and shapes, whatever the case and surrounding spaces", () => {
    for (const value of ["", "  ", "REPLACE_ME", "replace-me", "ReplaceMe", "changeme", "CHANGE_ME", " TODO ", "tbd", "FIXME", "placeholder", "<your-password>", "<>", "${DB_PASSWORD}", "{{ .Values.db.password }}", "{{password}}", "xxxxxx", "XXX", "****"]) {
      expect(isPlaceholderValue(value, "plain"), JSON.stringify(value)).toBe(true);
    }
    expect(isPlaceholderValue(null, "plain")).toBe(true);
    expect(isPlaceholderValue({ "{ .Values.x }": null }, "plain")).toBe(true); // unquoted {{ }} as YAML reads it
  });

  it("takes real values, numbers and lookalikes as values", () => {
    for (const value of ["hunter2", "changeme2", "my-REPLACE_ME-value", "<a><b>", "${A}${B}", "{{ a }} b", "prefix-${X}", "0", 12345, true]) {
      expect(isPlaceholderValue(value, "plain"), JSON.stringify(value)).toBe(false);
    }
  });

  it("reads data values encoded or not: base64 of a placeholder is a placeholder, base64 of a value is not", () => {
    expect(isPlaceholderValue(b64("CHANGEME"), "base64")).toBe(true);
    expect(isPlaceholderValue(b64(""), "base64")).toBe(true);
    expect(isPlaceholderValue("<base64-encoded password>", "base64")).toBe(true);
    expect(isPlaceholderValue(b64("s3cr3t-Pa55"), "base64")).toBe(false);
    // Encoding matters only for data: in stringData the base64 text is the value itself.
    expect(isPlaceholderValue(b64("CHANGEME"), "plain")).toBe(false);
  });

  it("property: any text wrapped as <...>, ${...} or {{...}} is a placeholder; real values never are", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[^<>{}]*$/), fc.constantFrom(["<", ">"], ["${", "}"], ["{{", "}}"]), (inner, [open, close]) => {
        expect(isPlaceholderValue(`${open}${inner}${close}`, "plain")).toBe(true);
      }),
    );
    fc.assert(
      fc.property(realValue, fc.boolean(), (value, encoded) => {
        expect(isPlaceholderValue(encoded ? b64(value) : value, encoded ? "base64" : "plain")).toBe(false);
      }),
    );
  });
});

describe("findPlaintext and placeholders", () => {
  it("skips a Secret whose values are all placeholders or empty, and reports it with strict, marked", () => {
    const text = secret({ data: { a: b64("REPLACE_ME"), b: "" }, stringData: { c: "${C}", d: "<d>", e: null } });
    expect(findPlaintext("p.yaml", text).findings).toEqual([]);
    const strict = findPlaintext("p.yaml", text, { strict: true }).findings;
    expect(strict).toMatchObject([{ kind: "Secret", keys: ["a", "b", "c", "d", "e"], placeholdersOnly: true }]);
  });

  it("reports a Secret with one real value among placeholders, without the mark", () => {
    const found = findPlaintext("p.yaml", secret({ stringData: { a: "changeme", token: "tok-3n7R0py-9f" } })).findings;
    expect(found).toHaveLength(1);
    expect(found[0]).not.toHaveProperty("placeholdersOnly");
  });

  it("applies the same rule to secretGenerator literals", () => {
    const generator = (literals: string[]) => stringify({ secretGenerator: [{ name: "g", literals }] });
    expect(findPlaintext("kustomization.yaml", generator(["A=REPLACE_ME", "B=", "C={{ .c }}"])).findings).toEqual([]);
    expect(findPlaintext("kustomization.yaml", generator(["A=REPLACE_ME", "B="]), { strict: true }).findings).toMatchObject([{ via: "literals", placeholdersOnly: true }]);
    expect(findPlaintext("kustomization.yaml", generator(["A=REPLACE_ME", "B=real-v4lue"])).findings).toMatchObject([{ via: "literals", keys: ["A", "B"] }]);
  });

  it("property: a Secret is reported by default exactly when some value is real", () => {
    const value = fc.oneof(realValue, fc.constantFrom("", "REPLACE_ME", "changeme", "<x>", "${X}", "{{ .x }}"));
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), value, { minKeys: 1, maxKeys: 5 }), (stringData) => {
        const real = Object.values(stringData).some((v) => !isPlaceholderValue(v, "plain"));
        const found = findPlaintext("s.yaml", secret({ stringData })).findings;
        expect(found.length).toBe(real ? 1 : 0);
        expect(findPlaintext("s.yaml", secret({ stringData }), { strict: true }).findings).toHaveLength(1);
      }),
    );
  });
});
