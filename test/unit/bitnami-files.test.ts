// Bitnami-sealed files rewritten in place (src/bitnami/files.ts): only the Bitnami SealedSecrets change, every other
// document keeps its bytes (comments too), YAML and JSON and Lists alike; the scope mapping and template rules of
// migratedSealedSecret; objects that cannot move are named with the reason; adoption needs the very same data.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { bitnamiEntriesOf, replaceBitnami } from "../../src/bitnami/files.js";
import { bitnamiLabel, migratedSealedSecret, type BitnamiSealedSecret } from "../../src/bitnami/sealed-secret.js";
import { adoptable } from "../../controller/adopt.js";
import { dataDigest } from "../../controller/cached-objects.js";

const bitnamiYaml = (name: string, annotations = ""): string =>
  `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: ${name}\n  namespace: shop\n${annotations}spec:\n  encryptedData:\n    password: QUFBQQ==\n  template:\n    metadata:\n      creationTimestamp: null\n      labels: {app: shop}\n      name: ${name}\n    type: kubernetes.io/basic-auth\n    immutable: true\n`;

const values = { encryptedData: { password: "YWdlLW5ldw==" }, sealedTo: { password: ["cd00d7406b1e02df"] } };

function replaceAll(text: string, source = "f.yaml"): string {
  const entries = bitnamiEntriesOf(text, source);
  return replaceBitnami(text, source, entries.map((e) => ({ document: e.document, ...(e.item === undefined ? {} : { item: e.item }), sealed: migratedSealedSecret(e.sealed, values) })));
}

const docs = (text: string): unknown[] => (parseAllDocuments(text) as unknown as Array<{ toJS(): unknown }>).map((d) => d.toJS());

describe("migrated files", () => {
  it("replaces only the Bitnami document of a multi-document YAML file, keeping the others byte for byte", () => {
    const head = "# shop config: keep this comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}   # and this one\ndata: {mode: fast}\n";
    const tail = "---\napiVersion: v1\nkind: Service\nmetadata: {name: svc}\n";
    const out = replaceAll(`${head}---\n${bitnamiYaml("db")}${tail}`);
    expect(out.startsWith(`${head}---\n`)).toBe(true);
    expect(out.endsWith(tail)).toBe(true);
    const migrated = docs(out)[1] as { apiVersion: string; spec: Record<string, unknown> };
    expect(migrated).toEqual({
      apiVersion: "seal.dev/v1alpha1",
      kind: "SealedSecret",
      metadata: { name: "db", namespace: "shop" },
      spec: { scope: "strict", template: { metadata: { labels: { app: "shop" } }, type: "kubernetes.io/basic-auth", immutable: true }, ...values },
    });
  });

  it("maps namespace-wide and cluster-wide, dropping Bitnami's scope annotation from the object only", () => {
    const wide = replaceAll(bitnamiYaml("api", "  annotations:\n    sealedsecrets.bitnami.com/namespace-wide: \"true\"\n    argocd.argoproj.io/sync-wave: \"1\"\n"));
    expect(docs(wide)[0]).toMatchObject({ metadata: { annotations: { "argocd.argoproj.io/sync-wave": "1" } }, spec: { scope: "namespace" } });
    const cluster = replaceAll(bitnamiYaml("shared", "  annotations: {sealedsecrets.bitnami.com/cluster-wide: \"true\", sealedsecrets.bitnami.com/namespace-wide: \"true\"}\n"));
    const object = docs(cluster)[0] as { metadata: Record<string, unknown>; spec: { scope: string } };
    expect(object.spec.scope).toBe("cluster");
    expect(object.metadata["annotations"]).toBeUndefined();
  });

  it("rewrites Lists and JSON files", () => {
    const list = { apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }, docs(bitnamiYaml("db"))[0]] };
    const json = replaceAll(JSON.stringify(list, null, 2), "f.json");
    const parsed = JSON.parse(json) as { items: Array<{ apiVersion: string }> };
    expect(parsed.items.map((i) => i.apiVersion)).toEqual(["v1", "seal.dev/v1alpha1"]);
    const yamlList = replaceAll(`apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: c}\n  - ${bitnamiYaml("db").trimEnd().split("\n").join("\n    ")}\n`);
    expect((docs(yamlList)[0] as { items: Array<{ kind: string; spec?: { scope?: string } }> }).items.map((i) => i.spec?.scope ?? i.kind)).toEqual(["ConfigMap", "strict"]);
  });

  it("names what cannot be migrated, and why", () => {
    const templated = bitnamiYaml("t").replace("    type: kubernetes.io/basic-auth\n", "    type: Opaque\n    data:\n      url: '{{ .password }}'\n");
    expect(bitnamiEntriesOf(templated, "f.yaml")[0]?.problem).toContain("spec.template.data");
    const noNamespace = bitnamiYaml("n").replace("  namespace: shop\n", "");
    expect(bitnamiEntriesOf(noNamespace, "f.yaml")[0]?.problem).toBe("has no metadata.namespace");
    expect(() => bitnamiEntriesOf("a: [", "broken.yaml")).toThrow("broken.yaml: invalid YAML in document 1");
  });

  it("uses Bitnami's labels: namespace/name, namespace, empty", () => {
    const object = (annotations: Record<string, string>): BitnamiSealedSecret => ({ apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "db", namespace: "shop", annotations }, spec: { encryptedData: {} } });
    const text = (a: Record<string, string>): string => new TextDecoder().decode(bitnamiLabel(object(a)));
    expect(text({})).toBe("shop/db");
    expect(text({ "sealedsecrets.bitnami.com/namespace-wide": "true" })).toBe("shop");
    expect(text({ "sealedsecrets.bitnami.com/cluster-wide": "true" })).toBe("");
    expect(text({ "sealedsecrets.bitnami.com/cluster-wide": "false" })).toBe("shop/db");
  });
});

describe("adoption", () => {
  const owner = { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", name: "db", uid: "u1", controller: true };
  const desired = { metadata: { name: "db" }, type: "Opaque", data: { password: "c2VjcmV0" } };
  const existing = (data: Record<string, string>, ownerReferences = [owner], type = "Opaque") => ({ metadata: { name: "db", ownerReferences }, type, dataDigest: dataDigest(data) });

  it("adopts only a Bitnami-owned Secret of the same name that already holds exactly the data and type", () => {
    expect(adoptable(existing({ password: "c2VjcmV0" }), desired)).toBe(true);
    expect(adoptable(existing({ password: "b3RoZXI=" }), desired)).toBe(false);
    expect(adoptable(existing({ password: "c2VjcmV0" }, [], "Opaque"), desired)).toBe(false);
    expect(adoptable(existing({ password: "c2VjcmV0" }, [{ ...owner, name: "other" }]), desired)).toBe(false);
    expect(adoptable(existing({ password: "c2VjcmV0" }, [owner], "kubernetes.io/tls"), desired)).toBe(false);
  });
});
