// Regenerates the committed test vectors from the built library:
//   npm run build && node --experimental-strip-types test/vectors/generate.ts
// (Node 24 strips the types; it imports dist/ because Node does not map the .js imports of src/ to .ts.)
// Every run makes new keys and ciphertexts; commit the whole directory together.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  bundleSigningBytes,
  decodeBase64,
  encodeBase64,
  formatIdentityFile,
  generateKey,
  generateSigner,
  printManifests,
  publicKeyOf,
  seal,
  signBundle,
} from "../../dist/src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const write = (name: string, text: string): void => writeFileSync(join(here, name), text);
const now = new Date("2026-11-25T00:00:00Z");
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const cluster = await generateKey("x25519", { now, lifetimeDays: 36500 });
const clusterPq = await generateKey("mlkem768x25519", { now, lifetimeDays: 36500 });
const recovery = await generateKey("x25519", { now });
const recoveryPq = await generateKey("mlkem768x25519", { now });

const data = { password: utf8("correct horse battery staple"), "tls.key": new Uint8Array([0, 10, 255, 10]), empty: new Uint8Array() };
const base = { name: "db", namespace: "shop", labels: { app: "shop" }, type: "Opaque", data };
const strict = await seal(base, [cluster], { scope: "strict", recipients: [recovery.recipient], now });
const namespaced = await seal({ ...base, name: "ns-wide" }, [cluster], { scope: "namespace", recipients: [recovery.recipient], now });
const clusterWide = await seal({ data: { token: utf8("cluster-wide") } }, [cluster], { scope: "cluster", recipients: [recovery.recipient], now });
const pq = await seal({ ...base, name: "pq" }, [clusterPq], { scope: "strict", recipients: [recoveryPq.recipient], now });

// Refused cases, built from the good ones.
const flipped = decodeBase64(strict.spec.encryptedData["password"] ?? "") ?? new Uint8Array();
flipped[flipped.length - 5] = (flipped[flipped.length - 5] ?? 0) ^ 0x01;
const tampered = { ...strict, spec: { ...strict.spec, encryptedData: { ...strict.spec.encryptedData, password: encodeBase64(flipped) } } };
const moved = { ...strict, metadata: { name: "other", namespace: "shop" } };
const movedKey = { ...strict, spec: { ...strict.spec, encryptedData: { "tls.key": strict.spec.encryptedData["password"] ?? "" }, sealedTo: {} } };
const stranger = await generateKey("x25519", { now });
const unknownKey = await seal(base, [stranger], { scope: "strict", now });

write("keys.txt", formatIdentityFile([cluster, clusterPq]));
write("recovery.txt", formatIdentityFile([recovery]));
write("recovery-pq.txt", formatIdentityFile([recoveryPq]));
write("sealed.yaml", printManifests([strict, namespaced, clusterWide, pq], "yaml"));
write("refused.yaml", printManifests([tampered, moved, movedKey, unknownKey], "yaml"));

const values = (d: Record<string, Uint8Array>): Record<string, string> =>
  Object.fromEntries(Object.entries(d).map(([k, v]) => [k, encodeBase64(v)]));
const expected = {
  comment: "Objects of sealed.yaml (in order) and what unsealing them with keys.txt or the matching recovery file gives; values base64.",
  sealed: [
    { name: "db", scope: "strict", data: values(data), bindings: { password: "seal.dev/v1alpha1 strict shop/db/password" } },
    { name: "ns-wide", scope: "namespace", data: values(data), bindings: { password: "seal.dev/v1alpha1 namespace shop" } },
    { name: undefined, scope: "cluster", data: values({ token: utf8("cluster-wide") }), bindings: { token: "seal.dev/v1alpha1 cluster" } },
    { name: "pq", scope: "strict", data: values(data), bindings: { password: "seal.dev/v1alpha1 strict shop/pq/password" } },
  ],
  refused: [
    { what: "one ciphertext byte flipped", reason: "tampered" },
    { what: "the object renamed", reason: "wrong-scope" },
    { what: "password's ciphertext moved to key tls.key", reason: "wrong-scope" },
    { what: "sealed to a key that is not in keys.txt", reason: "unknown-key" },
  ],
};
write("expected.json", `${JSON.stringify(expected, null, 2)}\n`);

const signer = generateSigner();
const bundle = signBundle([cluster, clusterPq].map(publicKeyOf), signer.secretKey, "2026-11-25T00:00:00Z");
write("bundle.yaml", printManifests([bundle], "yaml"));
write("bundle.signing-bytes.txt", new TextDecoder().decode(bundleSigningBytes(bundle)));
write("signer.txt", `${bundle.signer}\n`);
console.log("test vectors written to", here);
