// Every bad input of issue 3 gives an InputError naming the source, saying what to do, without the value.
import { describe, expect, test } from "vitest";
import { InputError, MAX_SECRET_BYTES, parseManifestEntries, secretFromManifest, secretManifestOf } from "../../src/index.js";
import { SECRET_VALUES, text, thrown } from "./core-fixtures.js";

const [canary = "", canary2 = ""] = SECRET_VALUES;
const b64 = (s: string): string => Buffer.from(s).toString("base64");

function secretYaml(body: string): string {
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\n${body}`;
}

/** Parse then validate, as the CLI does. */
function load(yamlText: string, source = "secret.yaml") {
  return parseManifestEntries(yamlText, source).map(({ doc, where }) => secretFromManifest(doc, where));
}

describe("good input", () => {
  test("YAML with data and stringData; stringData wins like the API server", () => {
    const [secret] = load(secretYaml(`type: kubernetes.io/basic-auth\nimmutable: true\ndata:\n  password: ${b64("old")}\n  user: ${b64("admin")}\nstringData:\n  password: ${canary}\n`));
    expect(secret?.type).toBe("kubernetes.io/basic-auth");
    expect(secret?.immutable).toBe(true);
    expect(text(secret?.data["password"])).toBe(canary);
    expect(text(secret?.data["user"])).toBe("admin");
  });

  test("secretManifestOf is the inverse of secretFromManifest", () => {
    const [secret] = load(secretYaml(`type: Opaque\nimmutable: false\nstringData:\n  password: ${canary}\n`));
    if (secret === undefined) throw new Error("no secret");
    const manifest = secretManifestOf(secret);
    expect(manifest.data).toEqual({ password: b64(canary) });
    expect(secretFromManifest(manifest, "round-trip")).toEqual(secret);
  });

  test("multi-document YAML, JSON, and kind: List are all flattened in order", () => {
    const one = { apiVersion: "v1", kind: "Secret", metadata: { name: "a", namespace: "n" }, stringData: { k: "1" } };
    const two = { ...one, metadata: { name: "b", namespace: "n" } };
    expect(load(`${secretYaml("")}---\n${secretYaml("")}---\n`).length).toBe(2);
    expect(load(JSON.stringify(one)).map((s) => s.name)).toEqual(["a"]);
    expect(load(JSON.stringify({ apiVersion: "v1", kind: "List", items: [one, two] })).map((s) => s.name)).toEqual(["a", "b"]);
    expect(load(`apiVersion: v1\nkind: SecretList\nitems:\n- ${JSON.stringify(one)}\n`).map((s) => s.name)).toEqual(["a"]);
  });

  test("base64 split over lines is accepted, as Go's decoder does", () => {
    const [secret] = load(secretYaml(`data:\n  cert: |\n    ${b64("abc")}\n    ${b64("def")}\n`));
    expect(text(secret?.data["cert"])).toBe("abcdef");
  });

  test("a data key named __proto__ stays an ordinary key", () => {
    const [secret] = load(secretYaml(`stringData:\n  __proto__: x\n`));
    expect(Object.hasOwn(secret?.data ?? {}, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(secret?.data)).toBe(Object.prototype);
  });

  test("exactly 1 MiB is accepted", () => {
    const big = Buffer.alloc(MAX_SECRET_BYTES, 0x61).toString("base64");
    expect(load(secretYaml(`data:\n  big: ${big}\n`))[0]?.data["big"]?.length).toBe(MAX_SECRET_BYTES);
  });
});

describe("bad input", () => {
  const cases: [string, string, RegExp][] = [
    ["invalid YAML", `apiVersion: v1\nkind: Secret\nstringData: [${canary}\n`, /^secret\.yaml: invalid YAML at line \d+, column \d+ \(.+\): fix the syntax/],
    ["a kind other than Secret", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: shop}\ndata: {k: ${canary}}\n`, /^secret\.yaml: shop\/cm is a v1 ConfigMap, not a v1 Secret: only Secrets can be sealed/],
    ["invalid base64", secretYaml(`data:\n  password: ${canary}\n`), /^secret\.yaml: Secret shop\/db: data\.password is not valid base64: encode it with `base64 -w0`/],
    ["non-string stringData", secretYaml(`stringData:\n  port: 5432\n  password: ${canary}\n`), /^secret\.yaml: Secret shop\/db: stringData\.port is a number, not a string: quote the value/],
    ["an invalid data key", secretYaml(`stringData:\n  "a b": ${canary}\n`), /data key "a b" is not a valid Secret key: use only letters/],
    ["data that is not a map", secretYaml(`data: ${canary}\n`), /Secret shop\/db: data is not a map/],
    ["a top-level list", `- ${canary}\n`, /^secret\.yaml: expected a Kubernetes object .* found a list/],
    ["JSON that is not quite JSON", `{"apiVersion": "v1", "kind": "Secret", "stringData": {"k": "${canary}",}`, /^secret\.yaml: invalid YAML at line 1/],
  ];
  for (const [name, input, message] of cases) {
    test(name, async () => {
      const error = await thrown(InputError, () => load(input));
      expect(error.message).toMatch(message);
      expect(error.message.split("\n")).toHaveLength(1);
    });
  }

  test("a YAML alias bomb", async () => {
    const rows = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const [i, name] of ["b", "c", "d", "e", "f", "g"].entries()) {
      const prev = String.fromCharCode(97 + i);
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const error = await thrown(InputError, () => load(rows.join("\n")));
    expect(error.message).toMatch(/^secret\.yaml: YAML document 1 expands aliases beyond the limit of 100 \(an alias bomb\?\)/);
  });

  test("a value over 1 MiB", async () => {
    const big = Buffer.alloc(MAX_SECRET_BYTES - 3, 0x61).toString("base64");
    const error = await thrown(InputError, () => load(secretYaml(`data:\n  big: ${big}\nstringData:\n  k: ${canary2}\n`)));
    expect(error.message).toMatch(/Secret shop\/db: 1048589 bytes of data exceeds Kubernetes' 1 MiB \(1048576 bytes\) Secret limit: split it/);
  });

  test("the document number is named in a multi-document file", async () => {
    const error = await thrown(InputError, () => load(`${secretYaml("")}---\nkind: Pod\napiVersion: v1\nmetadata: {name: p}\n`, "all.yaml"));
    expect(error.message).toMatch(/^all\.yaml \(document 2\): p is a v1 Pod/);
  });
});
