// The key backup's document and envelope without a cluster: what a backup holds round-trips exactly, an entry whose
// private half does not belong to its public half is refused (never quoting material), recipients follow the
// post-quantum rule, and decryption failures are one line naming the files.
import fc from "fast-check";
import type { V1Secret } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { ANNOTATION, KEY_LABEL, SIGNER_SECRET } from "../../src/key-secret.js";
import { backupOf, formatBackup, parseBackup, sameMaterial, secretOf } from "../../src/cluster/backup-document.js";
import { backupRecipients, decryptBackup, encryptBackup } from "../../src/cluster/backup-crypto.js";
import { backupFileName } from "../../src/cluster/backup.js";
import { armor } from "age-encryption";
import { InputError, fingerprintOf, generateKey, generateSigner, type PrivateKey } from "../../src/index.js";

const ORIGIN = { created: "2026-11-25T00:00:00Z", cluster: "prod", server: "https://127.0.0.1:6443", namespace: "kubectl-seal" };
const b64 = (text: string | Uint8Array): string => Buffer.from(text).toString("base64");

/** A sealing key Secret laid out as controller/key-store.ts writes it. */
function keySecret(key: PrivateKey, generation: number, state = "active"): V1Secret {
  return {
    metadata: {
      name: `kubectl-seal-key-${key.type}-${key.id.slice(0, 5)}`,
      uid: "u-1",
      resourceVersion: "7",
      labels: { [KEY_LABEL]: "sealing" },
      annotations: {
        [ANNOTATION.id]: key.id,
        [ANNOTATION.type]: key.type,
        [ANNOTATION.recipient]: key.recipient,
        [ANNOTATION.created]: key.created,
        [ANNOTATION.generation]: String(generation),
        [ANNOTATION.state]: state,
      },
    },
    immutable: true,
    data: { identity: b64(key.identity) },
  };
}

function signerSecret(signer = generateSigner()): V1Secret {
  return {
    metadata: {
      name: SIGNER_SECRET,
      labels: { [KEY_LABEL]: "signer" },
      annotations: { [ANNOTATION.id]: fingerprintOf(signer.publicKey), [ANNOTATION.type]: "ed25519", [ANNOTATION.state]: "active" },
    },
    data: { publicKey: b64(signer.publicKey), secretKey: b64(signer.secretKey) },
  };
}

const x1 = await generateKey("x25519");
const x2 = await generateKey("x25519");
const pq = await generateKey("mlkem768x25519");
const admin = await generateKey("x25519");
const secrets = [keySecret(x1, 1, "retired"), signerSecret(), keySecret(pq, 1), keySecret(x2, 2)];
const materials = [x1, x2, pq, admin].map((k) => k.identity);

function expectNoMaterial(error: unknown): void {
  expect(error).toBeInstanceOf(InputError);
  const message = (error as Error).message;
  expect(message).not.toContain("AGE-SECRET-KEY");
  for (const material of materials) expect(message).not.toContain(material);
}

describe("KeyBackup document", () => {
  it("holds the signer first and every sealing key with its state, and reads back to the same Secrets", async () => {
    const { backup, keys, skipped } = await backupOf(secrets, ORIGIN);
    expect(skipped).toEqual([]);
    expect(keys[0]).toMatchObject({ role: "signer", type: "ed25519", state: "active", secretName: SIGNER_SECRET });
    const sealing = keys.slice(1).map((k) => [k.role, k.id, k.type, k.state].join(" ")).sort();
    expect(sealing).toEqual([`sealing ${x1.id} x25519 retired`, `sealing ${x2.id} x25519 active`, `sealing ${pq.id} mlkem768x25519 active`].sort());
    expect(backup.secrets[0]?.name).toBe(SIGNER_SECRET);
    expect(JSON.stringify(backup)).not.toMatch(/"uid"|resourceVersion/);

    const read = await parseBackup(formatBackup(backup), "keys.age");
    expect(read.backup).toEqual(backup);
    expect(read.keys).toEqual(keys);
    for (const [i, entry] of read.backup.secrets.entries()) {
      const original = secrets.find((s) => s.metadata?.name === entry.name);
      expect(original && sameMaterial(entry, original), `entry ${i}`).toBe(true);
      expect(secretOf(entry, "ns")).toMatchObject({ immutable: true, metadata: { namespace: "ns", name: entry.name } });
    }
  });

  it("leaves out a damaged key Secret and refuses a namespace without signer or sealing keys", async () => {
    const damaged = keySecret(x1, 1);
    damaged.metadata!.annotations![ANNOTATION.recipient] = x2.recipient;
    const { keys, skipped } = await backupOf([...secrets.slice(1), damaged], ORIGIN);
    expect(keys).toHaveLength(3);
    expect(skipped).toEqual([{ secretName: damaged.metadata?.name, problem: `${ANNOTATION.id} does not match ${ANNOTATION.recipient}` }]);
    await expect(backupOf(secrets.filter((s) => s.metadata?.name !== SIGNER_SECRET), ORIGIN)).rejects.toThrow(
      "namespace kubectl-seal of cluster prod holds no usable signer Secret kubectl-seal-signer",
    );
    await expect(backupOf([signerSecret()], ORIGIN)).rejects.toThrow("holds no usable sealing key Secrets");
  });

  it("refuses any entry whose private half was swapped or altered, naming the entry and never the material", async () => {
    const { backup } = await backupOf(secrets, ORIGIN);
    const others = [admin.identity, x1.identity, pq.identity];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: backup.secrets.length - 1 }), fc.integer({ min: 0, max: 2 }), fc.nat(), async (index, which, byte) => {
        const copy = structuredClone(backup);
        const entry = copy.secrets[index]!;
        if (entry.name === SIGNER_SECRET) {
          const secretKey = Buffer.from(entry.data.secretKey!, "base64");
          secretKey[byte % 32] = (secretKey[byte % 32]! + 1) % 256; // the seed half: the derived public key changes
          entry.data.secretKey = secretKey.toString("base64");
        } else {
          const swapped = others.find((o) => o !== Buffer.from(entry.data.identity!, "base64").toString()) ?? others[which]!;
          entry.data.identity = b64(which === 2 ? `${swapped.slice(0, -3)}qqq` : swapped);
        }
        const error = await parseBackup(formatBackup(copy), "keys.age").then(() => undefined, (e: unknown) => e);
        expectNoMaterial(error);
        expect((error as Error).message).toMatch(new RegExp(`^keys\\.age: secrets\\[${index}\\] \\(${entry.name}\\): `));
      }),
      { numRuns: 30 },
    );
  });

  it("refuses documents that are not a backup, duplicates and a signer field that names another signer", async () => {
    const { backup } = await backupOf(secrets, ORIGIN);
    await expect(parseBackup("kind: KeyBundle\n", "f.age")).rejects.toThrow("f.age is not a seal.dev/v1alpha1 KeyBackup");
    await expect(parseBackup("{", "f.age")).rejects.toThrow("f.age decrypts but is not a YAML key backup");
    await expect(parseBackup(formatBackup({ ...backup, secrets: [...backup.secrets, backup.secrets[1]!] }), "f.age")).rejects.toThrow(/appears twice/);
    await expect(parseBackup(formatBackup({ ...backup, signer: "SHA256:other" }), "f.age")).rejects.toThrow("must hold one signer");
  });
});

describe("backup envelope", () => {
  it("opens with an admin identity, binary or armored; another identity gets one line naming both files", async () => {
    const encrypted = await encryptBackup("plain backup", [admin.recipient]);
    expect(await decryptBackup(encrypted, [admin], "keys.age", "admin.txt")).toBe("plain backup");
    const armored = new TextEncoder().encode(armor.encode(encrypted));
    expect(await decryptBackup(armored, [admin], "keys.age", "admin.txt")).toBe("plain backup");
    await expect(decryptBackup(encrypted, [x1], "keys.age", "other.txt")).rejects.toThrow(
      "none of the identities in other.txt can open keys.age: pass the identity file of one of the admin recipients the backup was made for (--identity)",
    );
    await expect(decryptBackup(new TextEncoder().encode("apiVersion: v1\n"), [admin], "keys.yaml", "admin.txt")).rejects.toThrow("keys.yaml is not an age file");
    const cut = encrypted.slice(0, encrypted.length - 5);
    await expect(decryptBackup(cut, [admin], "keys.age", "admin.txt")).rejects.toThrow("keys.age is damaged");
  });

  it("takes recipients of one type only, deduplicated", async () => {
    expect(backupRecipients([admin.recipient, ` ${admin.recipient}`])).toEqual([admin.recipient]);
    expect(() => backupRecipients([admin.recipient, pq.recipient])).toThrow("cannot be mixed");
    expect(() => backupRecipients([])).toThrow("no --recipient given");
    expect(() => backupRecipients(["age1nope"])).toThrow(/^--recipient: "age1nope" is not an age X25519/);
  });

  it("names backup files after the context, safe for any file system", () => {
    const now = new Date("2026-11-25T11:08:49.123Z");
    expect(backupFileName("prod", now)).toBe("prod-keys-20261125T110849Z.age");
    expect(backupFileName("arn:aws:eks:eu-west-1:1234:cluster/prod", now)).toBe("arn-aws-eks-eu-west-1-1234-cluster-prod-keys-20261125T110849Z.age");
    expect(backupFileName("../", now)).toBe("cluster-keys-20261125T110849Z.age");
  });
});
