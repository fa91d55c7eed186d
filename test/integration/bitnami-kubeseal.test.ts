// Bitnami's decryption (src/bitnami/) and the Migrate handler (controller/request-migrate.ts) against ciphertexts
// made by the REAL kubeseal, offline with --cert: every scope, --raw and --merge-into; values of any bytes come out
// byte for byte, re-sealed with age in the matching kubectl-seal scope; a value moved to another place does not
// open. No control plane needed, but kubeseal is a pinned Go build, so this lives with the integration tests.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { generateKey, unseal, type PrivateKey } from "../../src/index.js";
import { BitnamiDecryptError, bitnamiDecrypt, parseBitnamiKey, type BitnamiKey } from "../../src/bitnami/crypto.js";
import { bitnamiLabel, migratedSealedSecret, type BitnamiSealedSecret } from "../../src/bitnami/sealed-secret.js";
import { migrateObject } from "../../controller/request-migrate.js";
import { buildBitnami } from "../control-plane/bitnami.ts";
import { kubeseal, makeBitnamiKeyPair, type BitnamiKeyPair } from "./helpers/kubeseal.js";

let bin: string;
let pair: BitnamiKeyPair;
let keys: BitnamiKey[];
let ours: PrivateKey;

beforeAll(async () => {
  bin = (await buildBitnami()).kubeseal;
  pair = makeBitnamiKeyPair();
  keys = [parseBitnamiKey("test/key", Buffer.from(pair.key))];
}, 900_000);
beforeAll(async () => {
  ours = await generateKey("x25519");
});
afterAll(() => pair?.remove());

const SCOPES = ["strict", "namespace-wide", "cluster-wide"] as const;

function secretYaml(name: string, namespace: string, data: Record<string, Uint8Array>, extra = ""): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${JSON.stringify(k)}: "${Buffer.from(v).toString("base64")}"`);
  return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  labels: {app: shop}\n${extra}type: Opaque\ndata:\n${lines.join("\n")}\n`;
}

function sealWithKubeseal(yaml: string, scope: string): BitnamiSealedSecret {
  const out = kubeseal(bin, ["--cert", pair.certFile, "--scope", scope, "-o", "yaml"], yaml);
  const docs = parseAllDocuments(out);
  if (!Array.isArray(docs)) throw new Error("kubeseal printed no YAML");
  return docs.map((d) => d.toJS() as unknown).find((o) => o !== null) as BitnamiSealedSecret;
}

function open(sealed: BitnamiSealedSecret, key: string): string {
  return Buffer.from(bitnamiDecrypt(keys, Buffer.from(sealed.spec.encryptedData[key] ?? "", "base64"), bitnamiLabel(sealed)).value).toString("utf8");
}

function moved(sealed: BitnamiSealedSecret, metadata: { name?: string; namespace?: string }): BitnamiSealedSecret {
  return { ...sealed, metadata: { ...sealed.metadata, ...metadata } };
}

describe("Bitnami decryption against the real kubeseal", () => {
  it.each(SCOPES)("opens %s values and refuses them where the scope forbids", (scope) => {
    const data = { password: Buffer.from("kubeseal-canary-pw"), token: Buffer.from("multi\nline\0value") };
    const sealed = sealWithKubeseal(secretYaml("db", "shop", data), scope);
    expect(open(sealed, "password")).toBe("kubeseal-canary-pw");
    expect(open(sealed, "token")).toBe("multi\nline\0value");

    const renamed = moved(sealed, { name: "other" });
    const elsewhere = moved(sealed, { namespace: "elsewhere" });
    const fails = (s: BitnamiSealedSecret): boolean => {
      try {
        open(s, "password");
        return false;
      } catch (err) {
        return err instanceof BitnamiDecryptError && err.failure === "no-key";
      }
    };
    expect(fails(renamed)).toBe(scope === "strict");
    expect(fails(elsewhere)).toBe(scope !== "cluster-wide");
  });

  it("opens --raw values of every scope", () => {
    const valueFile = join(pair.dir, "value");
    writeFileSync(valueFile, "raw-canary\n");
    for (const scope of SCOPES) {
      const raw = kubeseal(bin, ["--cert", pair.certFile, "--raw", "--scope", scope, "--name", "api", "--namespace", "shop", "--from-file", valueFile]).trim();
      const annotations = scope === "strict" ? {} : { [`sealedsecrets.bitnami.com/${scope}`]: "true" };
      const object: BitnamiSealedSecret = { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "api", namespace: "shop", annotations }, spec: { encryptedData: { token: raw } } };
      expect(open(object, "token")).toBe("raw-canary\n");
    }
  });

  it("opens values added with --merge-into, and the ones that were there", () => {
    const file = join(pair.dir, "merged.json");
    writeFileSync(file, kubeseal(bin, ["--cert", pair.certFile, "-o", "json"], secretYaml("db", "shop", { first: Buffer.from("first-canary") })));
    kubeseal(bin, ["--cert", pair.certFile, "--merge-into", file], secretYaml("db", "shop", { second: Buffer.from("second-canary") }));
    const sealed = sealWithKubeseal(secretYaml("db", "shop", { first: Buffer.from("first-canary") }), "strict");
    const merged = JSON.parse(readFileSync(file, "utf8")) as BitnamiSealedSecret;
    expect(Object.keys(merged.spec.encryptedData).sort()).toEqual(["first", "second"]);
    expect(open(merged, "first")).toBe("first-canary");
    expect(open(merged, "second")).toBe("second-canary");
    expect(open(sealed, "first")).toBe("first-canary");
  });

  it("Migrate re-seals any bytes in the matching scope, keeping the template", async () => {
    const dataKey = fc.stringMatching(/^[a-zA-Z0-9][-._a-zA-Z0-9]{0,20}$/);
    await fc.assert(
      fc.asyncProperty(fc.dictionary(dataKey, fc.uint8Array({ maxLength: 200 }), { minKeys: 1, maxKeys: 4 }), fc.constantFrom(...SCOPES), async (values, scope) => {
        const data = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v)]));
        const bitnami = sealWithKubeseal(secretYaml("db", "shop", data, "  annotations: {team: payments}\n"), scope);
        const result = await migrateObject(bitnami, keys, { keys: [ours], recipients: [], ids: new Set([ours.id]), now: new Date() });
        expect(result.ok).toBe(true);
        const migrated = migratedSealedSecret(bitnami, { encryptedData: result.encryptedData ?? {}, sealedTo: result.sealedTo ?? {} });
        expect(migrated.spec.scope).toBe({ strict: "strict", "namespace-wide": "namespace", "cluster-wide": "cluster" }[scope]);
        expect(migrated.spec.template?.metadata?.labels).toEqual({ app: "shop" });
        expect(migrated.spec.template?.type).toBe("Opaque");
        const { secret } = await unseal(migrated, [ours]);
        expect(Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v).toString("hex")]))).toEqual(
          Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString("hex")])),
        );
      }),
      { numRuns: 12 },
    );
  });

  it("Migrate answers ok: false, naming the value, for a value moved elsewhere or damaged", async () => {
    const bitnami = sealWithKubeseal(secretYaml("db", "shop", { password: Buffer.from("moved-canary") }), "strict");
    const target = { keys: [ours], recipients: [], ids: new Set([ours.id]), now: new Date() };
    const renamed = await migrateObject(moved(bitnami, { name: "other" }), keys, target);
    expect(renamed).toEqual({ object: "shop/other", ok: false, reason: "unknown-key", message: expect.stringContaining("value password does not open with any Bitnami key as strict") });
    const value = Buffer.from(bitnami.spec.encryptedData.password ?? "", "base64");
    value[value.length - 1] ^= 1;
    const damaged = await migrateObject({ ...bitnami, spec: { ...bitnami.spec, encryptedData: { password: value.toString("base64") } } }, keys, target);
    expect(damaged).toMatchObject({ ok: false, reason: "tampered" });
    const templated = await migrateObject({ ...bitnami, spec: { ...bitnami.spec, template: { data: { url: "{{ .password }}" } } } }, keys, target);
    expect(templated).toMatchObject({ ok: false, reason: "malformed", message: expect.stringContaining("spec.template.data") });
    expect(JSON.stringify([renamed, damaged, templated])).not.toContain("moved-canary");
  });
});
