// The committed test vectors (test/vectors/, made by generate.ts) still open, still refuse, and still verify:
// a change to the wire format that breaks files already in Git fails here. The age CLI reads them too.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  UnsealError,
  bundleSigningBytes,
  encodeBase64,
  parseIdentityFile,
  parseManifests,
  sealedSecretFromManifest,
  unseal,
  verifyBundle,
  type SealedSecret,
} from "../../src/index.js";
import { requireTool } from "./core-fixtures.js";

const dir = join(import.meta.dirname, "..", "vectors");
const read = (name: string): string => readFileSync(join(dir, name), "utf8");
const sealedIn = (name: string): SealedSecret[] => parseManifests(read(name), name).map((doc) => sealedSecretFromManifest(doc, name));

interface Expected {
  sealed: { name?: string; scope: string; data: Record<string, string>; bindings: Record<string, string> }[];
  refused: { what: string; reason: string }[];
}
const expected = JSON.parse(read("expected.json")) as Expected;

describe("test vectors", () => {
  test("every sealed vector opens with the cluster keys and with its recovery identity", async () => {
    const keys = await parseIdentityFile(read("keys.txt"), "keys.txt");
    const recovery = [...(await parseIdentityFile(read("recovery.txt"), "recovery.txt")), ...(await parseIdentityFile(read("recovery-pq.txt"), "recovery-pq.txt"))];
    const objects = sealedIn("sealed.yaml");
    expect(objects).toHaveLength(expected.sealed.length);
    for (const [i, sealed] of objects.entries()) {
      const want = expected.sealed[i];
      expect(sealed.metadata.name).toBe(want?.name);
      expect(sealed.spec.scope).toBe(want?.scope);
      for (const keySet of [keys, recovery]) {
        const { secret } = await unseal(sealed, keySet);
        const got = Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, encodeBase64(v)]));
        expect(got).toEqual(want?.data);
      }
    }
  });

  test("every refused vector is refused for the recorded reason", async () => {
    const keys = await parseIdentityFile(read("keys.txt"), "keys.txt");
    const objects = sealedIn("refused.yaml");
    expect(objects).toHaveLength(expected.refused.length);
    for (const [i, sealed] of objects.entries()) {
      const error = await unseal(sealed, keys).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, expected.refused[i]?.what).toBeInstanceOf(UnsealError);
      expect((error as UnsealError).reason, expected.refused[i]?.what).toBe(expected.refused[i]?.reason);
    }
  });

  test("the bundle verifies against the pinned signer, over the committed canonical bytes", () => {
    const [doc] = parseManifests(read("bundle.yaml"), "bundle.yaml");
    const bundle = verifyBundle(doc, read("signer.txt").trim());
    expect(new TextDecoder().decode(bundleSigningBytes(bundle))).toBe(read("bundle.signing-bytes.txt"));
    expect(bundle.keys.map((k) => k.type)).toEqual(["x25519", "mlkem768x25519"]);
  });

  test("the age CLI recovers a vector value with the recovery identity (binding line, then the value)", () => {
    requireTool("age");
    const [strict] = sealedIn("sealed.yaml");
    const file = Buffer.from(strict?.spec.encryptedData["password"] ?? "", "base64");
    const out = execFileSync("age", ["-d", "-i", join(dir, "recovery.txt")], { input: file });
    const [binding, ...rest] = out.toString("utf8").split("\n");
    expect(binding).toBe(expected.sealed[0]?.bindings["password"]);
    expect(Buffer.from(rest.join("\n")).toString("base64")).toBe(expected.sealed[0]?.data["password"]);
  });
});
