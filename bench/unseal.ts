// 1. Unseal throughput on one core, values per second: our unseal path (src/unseal.ts) for X25519 and post-quantum
// keys, against the incumbent's scheme (Bitnami Sealed Secrets: RSA-4096-OAEP-SHA256 wraps a fresh AES-256-GCM key
// per value) and the floor (one bare X25519 + HKDF-SHA256 + ChaCha20-Poly1305 open), both done with node:crypto in
// this process. Each run measures all four for the same time slice, in rotating order.
import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import { generateKey, publicKeyOf, seal, unseal } from "../src/index.js";
import type { PrivateKey, SealedSecret } from "../src/index.js";
import { bitnamiDecrypt } from "../src/bitnami/crypto.js";
import { hybridEncrypt, strictLabel } from "./bitnami-scheme.js";
import type { Row } from "./report.js";
import { figure, interleaved, ratios } from "./stats.js";

export interface UnsealOptions {
  runs: number;
  /** Time slice per contender per run. */
  sliceMs: number;
}

const VALUES_PER_SECRET = 10;
const VALUE_BYTES = 32;
// A binding line of typical length goes with every value, so all contenders open the same number of bytes.
const BINDING = "seal.dev/v1alpha1 strict payments/db-credentials/password\n";
const ZERO_NONCE = Buffer.alloc(12);
const X25519_SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");
const LABEL = "age-encryption.org/v1/X25519";

/** Calls `open(i)` for indexes 0, 1, 2... for `sliceMs`; returns items per second (`perCall` items per call). */
async function throughput(sliceMs: number, perCall: number, open: (i: number) => unknown): Promise<number> {
  const start = performance.now();
  let calls = 0;
  let elapsed = 0;
  while ((elapsed = performance.now() - start) < sliceMs) {
    for (let j = 0; j < 4; j++) await open(calls++);
  }
  return (calls * perCall * 1000) / elapsed;
}

function plaintext(): Buffer {
  return Buffer.concat([Buffer.from(BINDING), randomBytes(VALUE_BYTES)]);
}

async function sealedSecrets(key: PrivateKey, count: number): Promise<SealedSecret[]> {
  const out: SealedSecret[] = [];
  for (let i = 0; i < count; i++) {
    const data: Record<string, Uint8Array> = {};
    for (let v = 0; v < VALUES_PER_SECRET; v++) data[`value-${v}`] = randomBytes(VALUE_BYTES);
    out.push(await seal({ name: `db-credentials-${i}`, namespace: "payments", data }, [publicKeyOf(key)], { scope: "strict" }));
  }
  return out;
}

/** Bitnami's hybrid scheme (bitnami-scheme.ts) with a 4096-bit key, as its controller makes by default. */
function rsaReference(count: number): (i: number) => Uint8Array {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 4096 });
  const label = strictLabel("payments", "db-credentials");
  const values = Array.from({ length: count }, () => hybridEncrypt(publicKey, label, plaintext()));
  const keys = [{ name: "bench", key: privateKey }];
  // The same open `kubectl seal migrate` runs in the controller (src/bitnami/crypto.ts).
  return (i) => bitnamiDecrypt(keys, values[i % count]!, label).value;
}

/** The floor: what any X25519 scheme must do per value (import the share, DH, HKDF, AEAD open), and nothing else. */
function floorReference(count: number): (i: number) => Buffer {
  const recipient = generateKeyPairSync("x25519");
  const recipientRaw = rawX25519(recipient.publicKey);
  const values = Array.from({ length: count }, () => {
    const ephemeral = generateKeyPairSync("x25519");
    const share = rawX25519(ephemeral.publicKey);
    const key = wrapKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient.publicKey }), share, recipientRaw);
    const cipher = createCipheriv("chacha20-poly1305", key, ZERO_NONCE, { authTagLength: 16 });
    const body = Buffer.concat([cipher.update(plaintext()), cipher.final()]);
    return { share, body, tag: cipher.getAuthTag() };
  });
  return (i) => {
    const v = values[i % count]!;
    const peer = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, v.share]), format: "der", type: "spki" });
    const key = wrapKey(diffieHellman({ privateKey: recipient.privateKey, publicKey: peer }), v.share, recipientRaw);
    const decipher = createDecipheriv("chacha20-poly1305", key, ZERO_NONCE, { authTagLength: 16 });
    decipher.setAuthTag(v.tag);
    return Buffer.concat([decipher.update(v.body), decipher.final()]);
  };
}

function rawX25519(key: KeyObject): Buffer {
  return key.export({ format: "der", type: "spki" }).subarray(X25519_SPKI_PREFIX.length);
}

function wrapKey(shared: Buffer, share: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, Buffer.concat([share, recipient]), LABEL, 32));
}

export async function measureUnseal(o: UnsealOptions, progress: (line: string) => void): Promise<Row[]> {
  const x25519 = await generateKey("x25519");
  const pq = await generateKey("mlkem768x25519");
  const keys = [pq, x25519]; // the controller holds both types; the sealedTo hint picks the right one first
  const classic = await sealedSecrets(x25519, 8);
  const hybrid = await sealedSecrets(pq, 8);
  const rsa = rsaReference(64);
  const floor = floorReference(64);

  const values = await interleaved(
    o.runs,
    {
      x25519: () => throughput(o.sliceMs, VALUES_PER_SECRET, (i) => unseal(classic[i % classic.length]!, keys)),
      pq: () => throughput(o.sliceMs, VALUES_PER_SECRET, (i) => unseal(hybrid[i % hybrid.length]!, keys)),
      rsa: () => throughput(o.sliceMs, 1, rsa),
      floor: () => throughput(o.sliceMs, 1, floor),
    },
    { onRun: (run) => progress(`unseal: run ${run + 1}/${o.runs}`) },
  );
  const unit = "values/s";
  const rsaFigure = { what: "RSA-4096-OAEP + AES-256-GCM", figure: figure(values.rsa, unit) };
  const xToRsa = figure(ratios(values.x25519, values.rsa), "×");
  const floorToX = figure(ratios(values.floor, values.x25519), "×");
  const pqToRsa = figure(ratios(values.pq, values.rsa), "×");
  return [
    {
      id: "unseal-x25519-vs-rsa",
      measurement: "1a. Unseal, X25519 keys (one core)",
      result: figure(values.x25519, unit),
      reference: rsaFigure,
      ratio: { what: "ours ÷ RSA", figure: xToRsa },
      target: "≥ 10× RSA-4096",
      met: xToRsa.median >= 10,
    },
    {
      id: "unseal-x25519-vs-floor",
      measurement: "1b. Unseal, X25519 keys, against the floor",
      result: figure(values.x25519, unit),
      reference: { what: "bare X25519+HKDF+ChaCha20-Poly1305", figure: figure(values.floor, unit) },
      ratio: { what: "floor ÷ ours", figure: floorToX },
      target: "within 3× of the floor",
      met: floorToX.median <= 3,
    },
    {
      id: "unseal-pq-vs-rsa",
      measurement: "1c. Unseal, post-quantum (ML-KEM-768+X25519) keys",
      result: figure(values.pq, unit),
      reference: rsaFigure,
      ratio: { what: "ours ÷ RSA", figure: pqToRsa },
      target: "≥ 2× RSA-4096",
      met: pqToRsa.median >= 2,
    },
  ];
}
