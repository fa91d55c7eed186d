// Interop with the standard age CLI (Debian's age 1.1.x, X25519 only; installed by scripts/setup.sh):
// it recovers values we seal, and we open files it makes. No skipping: a missing binary fails the test.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  bindingLine,
  decodeBase64,
  encodeBase64,
  formatIdentityFile,
  generateKey,
  parseIdentityFile,
  seal,
  unseal,
  type PrivateKey,
  type SealedSecret,
} from "../../src/index.js";
import { requireTool } from "./core-fixtures.js";

let dir: string;
let recovery: PrivateKey;
let idFile: string;

beforeAll(async () => {
  requireTool("age");
  requireTool("age-keygen");
  dir = mkdtempSync(join(tmpdir(), "seal-age-"));
  recovery = await generateKey("x25519");
  idFile = join(dir, "recovery.txt");
  writeFileSync(idFile, formatIdentityFile([recovery]), { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("age -d -i recovers a value sealed to a recovery recipient; tail -n +2 strips the binding line", async () => {
  const cluster = await generateKey("x25519");
  const value = new Uint8Array([0x00, 0x0a, 0xff, ...new TextEncoder().encode("line1\nline2\n"), 0x0a]);
  const sealed = await seal({ name: "db", namespace: "shop", data: { "tls.key": value } }, [cluster], {
    scope: "strict",
    recipients: [recovery.recipient],
  });
  const file = join(dir, "tls.key.age");
  writeFileSync(file, decodeBase64(sealed.spec.encryptedData["tls.key"] ?? "") ?? new Uint8Array());

  const whole = execFileSync("age", ["-d", "-i", idFile, file]);
  expect(whole.subarray(0, whole.indexOf(0x0a)).toString()).toBe("seal.dev/v1alpha1 strict shop/db/tls.key");
  const stripped = execFileSync("sh", ["-c", 'age -d -i "$1" "$2" | tail -n +2', "sh", idFile, file]);
  expect(new Uint8Array(stripped)).toEqual(value);
});

test("a file made by `age -r` with a binding line is opened by our identity code", async () => {
  const plaintext = join(dir, "plain.bin");
  writeFileSync(plaintext, `${bindingLine("namespace", { namespace: "shop", dataKey: "k" })}\nfrom-age-cli`);
  const encrypted = execFileSync("age", ["-r", recovery.recipient, plaintext]);
  const sealed: SealedSecret = {
    apiVersion: "seal.dev/v1alpha1",
    kind: "SealedSecret",
    metadata: { name: "anything", namespace: "shop" },
    spec: { scope: "namespace", encryptedData: { k: encodeBase64(new Uint8Array(encrypted)) } },
  };
  const { secret, keyIds } = await unseal(sealed, [recovery]);
  expect(new TextDecoder().decode(secret.data["k"])).toBe("from-age-cli");
  expect(keyIds).toEqual([recovery.id]);
});

test("an identity file written by age-keygen is read by parseIdentityFile and unseals", async () => {
  const keyFile = join(dir, "keygen.txt");
  execFileSync("age-keygen", ["-o", keyFile], { stdio: "ignore" });
  const [key] = await parseIdentityFile(execFileSync("cat", [keyFile], { encoding: "utf8" }), keyFile);
  if (key === undefined) throw new Error("no key read");
  expect(key.created).toMatch(/^\d{4}-\d\d-\d\dT/);
  const sealed = await seal({ name: "a", namespace: "b", data: { k: new Uint8Array([1, 2]) } }, [key], { scope: "strict" });
  expect((await unseal(sealed, [key])).secret.data["k"]).toEqual(new Uint8Array([1, 2]));
});
