// Recipient strings to native recipients, parsed once per process: a seal run seals thousands of values to the
// same one to three recipients, and parsing (bech32, KeyObject import, ML-KEM key checks) is per recipient.
import type { SyncRecipient } from "./encrypt.js";
import { NativeHybridRecipient, nativeEncapsulateAvailable } from "./hybrid-recipient.js";
import { NativeX25519Recipient } from "./x25519-recipient.js";

const parsed = new Map<string, SyncRecipient>();

/**
 * Native recipients for `recipients` (age1... and age1pq1...), or undefined when this Node cannot encrypt to one
 * of them natively (no ML-KEM before Node 24.7) or one is of another type: the caller then uses typage.
 * Throws for a malformed one with typage's Encrypter's message.
 */
export function nativeRecipients(recipients: readonly string[]): SyncRecipient[] | undefined {
  const out: SyncRecipient[] = [];
  for (const recipient of recipients) {
    const native = parsed.get(recipient) ?? parse(recipient);
    if (native === undefined) return undefined;
    parsed.set(recipient, native);
    out.push(native);
  }
  return out;
}

function parse(recipient: string): SyncRecipient | undefined {
  if (recipient.startsWith("age1pq1")) return nativeEncapsulateAvailable ? new NativeHybridRecipient(recipient) : undefined;
  if (recipient.startsWith("age1tag")) return undefined; // tag recipients (hardware keys): typage only
  if (recipient.startsWith("age1")) return new NativeX25519Recipient(recipient);
  return undefined;
}
