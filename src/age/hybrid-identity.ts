// An age post-quantum hybrid identity (mlkem768x25519, `AGE-SECRET-KEY-PQ-1...`) on node:crypto. typage's
// HybridIdentity runs ML-KEM, X25519, SHA-3 and HKDF in pure JavaScript and re-derives the whole ML-KEM key from
// its seed for every file; unsealing is the controller's hot path, so this one expands the key once and uses
// Node's native ML-KEM-768 (OpenSSL 3.5), X25519, SHAKE256/SHA3-256, HKDF and ChaCha20-Poly1305. The construction,
// as typage and @noble/post-quantum implement it (X-Wing, draft-connolly-cfrg-xwing-kem, inside HPKE):
//   (seedM[64], skX[32]) = SHAKE256(identity seed[32], 96 bytes)
//   stanza "-> mlkem768x25519 base64(ctM[1088] || ctX[32])", body = 32 bytes
//   ssM = ML-KEM-768.Decaps(seedM, ctM); ssX = X25519(skX, ctX)
//   ss  = SHA3-256(ssM || ssX || ctX || pkX || "\.//^\")
//   HPKE base mode, KEM 0x647a, HKDF-SHA256, ChaCha20-Poly1305, info "age-encryption.org/mlkem768x25519":
//   secret = LabeledExtract(ss, "secret", ""); key/nonce = LabeledExpand(secret, "key"/"base_nonce", ksContext)
//   fileKey = ChaCha20-Poly1305(key, nonce).open(body)
// test/unit/age-hybrid.test.ts cross-checks it against typage both ways.
import * as nodeCrypto from "node:crypto";
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
} from "node:crypto";
import { bech32 } from "@scure/base";
import type { Identity, Stanza } from "age-encryption";
import { X25519_PKCS8_PREFIX, X25519_SPKI_PREFIX, decodeShare, openStanzaBody } from "./x25519-identity.js";

/** ML-KEM is in node:crypto from Node 24.7; on older Nodes (package.json allows 22) callers keep typage's identity. */
export const nativeHybridAvailable = typeof (nodeCrypto as { decapsulate?: unknown }).decapsulate === "function";

const STANZA_TYPE = "mlkem768x25519";
const MLKEM_CIPHERTEXT = 1088;
const SHARE = MLKEM_CIPHERTEXT + 32;
// PKCS #8 of an ML-KEM-768 private key in its 64-byte seed form (OID 2.16.840.1.101.3.4.4.2, seed [0] IMPLICIT).
const MLKEM_SEED_PKCS8_PREFIX = Buffer.from("3054020100300b060960864801650304040204428040", "hex");
const XWING_LABEL = Buffer.from("\\.//^\\", "latin1");

// HPKE (RFC 9180) constants for the age mlkem768x25519 suite: KEM 0x647a, KDF 0x0001, AEAD 0x0003.
const SUITE_ID = Buffer.concat([Buffer.from("HPKE"), Buffer.from([0x64, 0x7a, 0x00, 0x01, 0x00, 0x03])]);
const HPKE_V1 = Buffer.from("HPKE-v1");
const INFO = Buffer.from("age-encryption.org/mlkem768x25519");
const EMPTY = Buffer.alloc(0);

function labeledIkm(label: string, ikm: Buffer): Buffer {
  return Buffer.concat([HPKE_V1, SUITE_ID, Buffer.from(label), ikm]);
}

function labeledInfo(label: string, info: Buffer, length: number): Buffer {
  return Buffer.concat([Buffer.from([length >> 8, length & 0xff]), HPKE_V1, SUITE_ID, Buffer.from(label), info]);
}

/** HKDF-Extract with an empty salt: HMAC-SHA256 keyed with HashLen zeros (RFC 5869); hkdfSync has no extract-only mode. */
function extract(ikm: Buffer): Buffer {
  return createHmac("sha256", Buffer.alloc(32)).update(ikm).digest();
}

// The key schedule context is the same for every file: mode 0 || psk_id_hash || info_hash.
const KS_CONTEXT = Buffer.concat([Buffer.from([0]), extract(labeledIkm("psk_id_hash", EMPTY)), extract(labeledIkm("info_hash", INFO))]);
const KEY_INFO = labeledInfo("key", KS_CONTEXT, 32);
const NONCE_INFO = labeledInfo("base_nonce", KS_CONTEXT, 12);
// RFC 9180 key schedule: secret = LabeledExtract(salt = shared secret, "secret", ikm = psk), and base mode has no psk.
const SECRET_IKM = labeledIkm("secret", EMPTY);

/** The X-Wing combiner, then the HPKE key schedule: the key and nonce that wrap the file key. */
export function keySchedule(ssM: Buffer, ssX: Buffer, ctX: Buffer, pkX: Buffer): { key: Buffer; nonce: Buffer } {
  const shared = createHash("sha3-256").update(ssM).update(ssX).update(ctX).update(pkX).update(XWING_LABEL).digest();
  // hkdfSync = Expand(Extract(salt, ikm), info): exactly LabeledExpand(LabeledExtract(ss, "secret", psk = ""), ...).
  return {
    key: Buffer.from(hkdfSync("sha256", SECRET_IKM, shared, KEY_INFO, 32)),
    nonce: Buffer.from(hkdfSync("sha256", SECRET_IKM, shared, NONCE_INFO, 12)),
  };
}

export class NativeHybridIdentity implements Identity {
  private readonly mlkem: KeyObject;
  private readonly x25519: KeyObject;
  private readonly x25519Public: Buffer;

  /** @param identity an `AGE-SECRET-KEY-PQ-1...` string. */
  constructor(identity: string) {
    const decoded = bech32.decodeToBytes(identity.toLowerCase());
    if (!identity.startsWith("AGE-SECRET-KEY-PQ-1") || decoded.prefix !== "age-secret-key-pq-" || decoded.bytes.length !== 32) {
      throw new Error("invalid post-quantum identity");
    }
    const expanded = createHash("shake256", { outputLength: 96 }).update(decoded.bytes).digest();
    this.mlkem = createPrivateKey({ key: Buffer.concat([MLKEM_SEED_PKCS8_PREFIX, expanded.subarray(0, 64)]), format: "der", type: "pkcs8" });
    this.x25519 = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, expanded.subarray(64)]), format: "der", type: "pkcs8" });
    this.x25519Public = createPublicKey(this.x25519).export({ format: "der", type: "spki" }).subarray(X25519_SPKI_PREFIX.length);
    expanded.fill(0);
  }

  /** The file key, or null when no mlkem768x25519 stanza is ours. Throws only for a malformed stanza, as typage does. */
  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
    for (const stanza of stanzas) {
      if (stanza.args[0] !== STANZA_TYPE) continue;
      if (stanza.args.length !== 2) throw new Error("invalid mlkem768x25519 stanza");
      const share = decodeShare(stanza.args[1] ?? "", SHARE, STANZA_TYPE);
      if (stanza.body.length !== 32) throw new Error("invalid mlkem768x25519 stanza");
      const fileKey = this.unwrap(share, stanza.body);
      if (fileKey !== null) return fileKey;
    }
    return null;
  }

  private unwrap(share: Buffer, body: Uint8Array): Uint8Array | null {
    const ctM = share.subarray(0, MLKEM_CIPHERTEXT);
    const ctX = share.subarray(MLKEM_CIPHERTEXT);
    // ML-KEM rejects implicitly: a ciphertext for another key yields an unrelated secret and the AEAD fails below.
    const ssM = nodeCrypto.decapsulate(this.mlkem, ctM);
    const peer = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, ctX]), format: "der", type: "spki" });
    let ssX: Buffer;
    try {
      ssX = diffieHellman({ privateKey: this.x25519, publicKey: peer });
    } catch {
      // OpenSSL refuses an all-zero X25519 result (a low-order share), as typage's X25519 does.
      throw new Error("invalid mlkem768x25519 stanza: low-order X25519 share");
    }
    const { key, nonce } = keySchedule(ssM, ssX, ctX, this.x25519Public);
    return openStanzaBody(key, nonce, body);
  }
}
