// An age post-quantum hybrid recipient (mlkem768x25519, `age1pq1...`) on node:crypto, for sealing: the
// counterpart of hybrid-identity.ts. typage's HybridRecipient runs ML-KEM-768, X25519 and SHA-3 in pure JavaScript
// (most of a post-quantum seal run's time); this parses the recipient into KeyObjects once and uses Node's native
// ML-KEM-768 (OpenSSL 3.5, Node >= 24.7). The construction, as typage and @noble/post-quantum implement it
// (X-Wing, draft-connolly-cfrg-xwing-kem, inside HPKE RFC 9180):
//   recipient = pkM[1184] || pkX[32]
//   (ctM, ssM) = ML-KEM-768.Encaps(pkM); ctX = a fresh X25519 share, ssX = X25519(ephemeral, pkX)
//   ss = SHA3-256(ssM || ssX || ctX || pkX || "\.//^\")
//   HPKE base mode, KEM 0x647a, HKDF-SHA256, ChaCha20-Poly1305, info "age-encryption.org/mlkem768x25519":
//   secret = LabeledExtract(ss, "secret", ""); key/nonce = LabeledExpand(secret, "key"/"base_nonce", ksContext)
//   stanza "-> mlkem768x25519 base64(ctM || ctX)", body = ChaCha20-Poly1305(key, nonce).seal(fileKey)
// The key schedule is hybrid-identity.ts's (the unseal side): both directions derive the same key and nonce.
import * as nodeCrypto from "node:crypto";
import { createPublicKey, type KeyObject } from "node:crypto";
import { bech32 } from "@scure/base";
import { keySchedule } from "./hybrid-identity.js";
import { base64NoPad, type SyncRecipient, type WrappedFileKey } from "./encrypt.js";
import { sealFileKey, x25519Agreement, x25519PublicKey } from "./x25519-recipient.js";

/** ML-KEM encapsulation is in node:crypto from Node 24.7; on older Nodes (package.json allows 22) seal uses typage. */
export const nativeEncapsulateAvailable = typeof (nodeCrypto as { encapsulate?: unknown }).encapsulate === "function";

const STANZA_TYPE = "mlkem768x25519";
const MLKEM_PUBLIC = 1184;
// SubjectPublicKeyInfo of an ML-KEM-768 public key (OID 2.16.840.1.101.3.4.4.2).
const MLKEM_SPKI_PREFIX = Buffer.from("308204b2300b0609608648016503040402038204a100", "hex");
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
    const { key, nonce } = keySchedule(ssM, ssX, ctX, this.x25519Public);
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
