// An age post-quantum hybrid recipient (mlkem768x25519, `age1pq1...`) on node:crypto, for sealing: the
// counterpart of native-hybrid.ts. typage's HybridRecipient runs ML-KEM-768, X25519 and SHA-3 in pure JavaScript
// (most of a post-quantum seal run's time); this parses the recipient into KeyObjects once and uses Node's native
// ML-KEM-768 (OpenSSL 3.5, Node >= 24.7). The construction, as typage and @noble/post-quantum implement it
// (X-Wing, draft-connolly-cfrg-xwing-kem, inside HPKE RFC 9180):
//   recipient = pkM[1184] || pkX[32]
//   (ctM, ssM) = ML-KEM-768.Encaps(pkM); ctX = a fresh X25519 share, ssX = X25519(ephemeral, pkX)
//   ss = SHA3-256(ssM || ssX || ctX || pkX || "\.//^\")
//   HPKE base mode, KEM 0x647a, HKDF-SHA256, ChaCha20-Poly1305, info "age-encryption.org/mlkem768x25519":
//   secret = LabeledExtract(ss, "secret", ""); key/nonce = LabeledExpand(secret, "key"/"base_nonce", ksContext)
//   stanza "-> mlkem768x25519 base64(ctM || ctX)", body = ChaCha20-Poly1305(key, nonce).seal(fileKey)
// The HPKE constants repeat native-hybrid.ts's on purpose: that module imports typage at run time (its Stanza
// class), and this one is on the CLI's start-up path, which must not load typage (~50 ms).
import * as nodeCrypto from "node:crypto";
import { createHash, createHmac, createPublicKey, hkdfSync, type KeyObject } from "node:crypto";
import { bech32 } from "@scure/base";
import { base64NoPad, type SyncRecipient, type WrappedFileKey } from "./native-encrypt.js";
import { sealFileKey, x25519Agreement, x25519PublicKey } from "./native-encrypt-x25519.js";

/** ML-KEM encapsulation is in node:crypto from Node 24.7; on older Nodes (package.json allows 22) seal uses typage. */
export const nativeEncapsulateAvailable = typeof (nodeCrypto as { encapsulate?: unknown }).encapsulate === "function";

const STANZA_TYPE = "mlkem768x25519";
const MLKEM_PUBLIC = 1184;
// SubjectPublicKeyInfo of an ML-KEM-768 public key (OID 2.16.840.1.101.3.4.4.2).
const MLKEM_SPKI_PREFIX = Buffer.from("308204b2300b0609608648016503040402038204a100", "hex");
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
// secret = LabeledExtract(salt = shared secret, "secret", ikm = psk), and base mode has no psk.
const SECRET_IKM = labeledIkm("secret", EMPTY);

/** The X-Wing combiner, then the HPKE key schedule: the key and nonce that wrap the file key. */
export function hybridKeySchedule(ssM: Buffer, ssX: Buffer, ctX: Buffer, pkX: Buffer): { key: Buffer; nonce: Buffer } {
  const shared = createHash("sha3-256").update(ssM).update(ssX).update(ctX).update(pkX).update(XWING_LABEL).digest();
  // hkdfSync = Expand(Extract(salt, ikm), info): exactly LabeledExpand(LabeledExtract(ss, "secret", psk = ""), ...).
  return {
    key: Buffer.from(hkdfSync("sha256", SECRET_IKM, shared, KEY_INFO, 32)),
    nonce: Buffer.from(hkdfSync("sha256", SECRET_IKM, shared, NONCE_INFO, 12)),
  };
}

export class NativeHybridRecipient implements SyncRecipient {
  private readonly mlkem: KeyObject;
  private readonly x25519: KeyObject;
  private readonly x25519Public: Buffer;

  /** @param recipient an `age1pq1...` string. */
  constructor(recipient: string) {
    const bytes = decodeRecipient(recipient);
    // createPublicKey validates the ML-KEM key (its coefficients are checked modulo q), as noble's encapsulate does.
    try {
      this.mlkem = createPublicKey({ key: Buffer.concat([MLKEM_SPKI_PREFIX, bytes.subarray(0, MLKEM_PUBLIC)]), format: "der", type: "spki" });
    } catch {
      throw new Error("invalid recipient");
    }
    this.x25519Public = bytes.subarray(MLKEM_PUBLIC);
    this.x25519 = x25519PublicKey(this.x25519Public);
  }

  wrapFileKey(fileKey: Uint8Array): WrappedFileKey[] {
    const { sharedKey: ssM, ciphertext: ctM } = nodeCrypto.encapsulate(this.mlkem);
    const { share: ctX, shared: ssX } = x25519Agreement(this.x25519);
    const { key, nonce } = hybridKeySchedule(ssM, ssX, ctX, this.x25519Public);
    return [{ args: [STANZA_TYPE, base64NoPad(Buffer.concat([ctM, ctX]))], body: sealFileKey(key, nonce, fileKey) }];
  }
}

/** pkM || pkX; throws what typage's HybridRecipient throws (bech32's own message for a bad checksum). */
function decodeRecipient(recipient: string): Buffer {
  // No length limit: a post-quantum recipient is far longer than bech32's 90 characters.
  const { prefix, words } = bech32.decode(recipient as `${string}1${string}`, false);
  const bytes = bech32.fromWords(words);
  if (!recipient.startsWith("age1pq1") || prefix.toLowerCase() !== "age1pq" || bytes.length !== MLKEM_PUBLIC + 32) throw new Error("invalid recipient");
  return Buffer.from(bytes);
}
