// Sealing keys: generation, ids derived from the recipient, and identity files in age-keygen's format
// (so `age -d -i FILE` reads the same file kubectl-seal writes).
import { createHash } from "node:crypto";
import { InputError } from "./errors.js";
import type { KeyType, PrivateKey, PublicKey } from "./types.js";

const X25519_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const PQ_RECIPIENT = /^age1pq1[02-9ac-hj-np-z]+$/;
const X25519_IDENTITY = "AGE-SECRET-KEY-1";
const PQ_IDENTITY = "AGE-SECRET-KEY-PQ-1";

/** Deterministic short id of a key: the first 16 hex digits of SHA-256 over the recipient string. */
export function keyIdOf(recipient: string): string {
  return createHash("sha256").update(recipient, "utf8").digest("hex").slice(0, 16);
}

/** The key type of an age recipient, or InputError for anything but X25519 and ML-KEM-768+X25519 recipients. */
export function keyTypeOf(recipient: string, where = "recipient"): KeyType {
  if (PQ_RECIPIENT.test(recipient)) return "mlkem768x25519";
  if (X25519_RECIPIENT.test(recipient)) return "x25519";
  throw new InputError(
    `${where}: ${JSON.stringify(recipient.slice(0, 80))} is not an age X25519 (age1...) or post-quantum (age1pq1...) recipient`,
    "copy the public key line from age-keygen or a kubectl-seal key bundle",
  );
}

/** A new private key. `lifetimeDays` sets `expires`; without it the key does not expire. */
export async function generateKey(
  type: KeyType,
  options: { now?: Date; lifetimeDays?: number } = {},
): Promise<PrivateKey> {
  // typage is loaded only here and in privateKeyOf: it costs every `kubectl seal` ~50 ms to load, and sealing needs none of it.
  const { generateHybridIdentity, generateX25519Identity } = await import("age-encryption");
  const identity = type === "mlkem768x25519" ? await generateHybridIdentity() : await generateX25519Identity();
  const now = options.now ?? new Date();
  const expires =
    options.lifetimeDays === undefined ? undefined : new Date(now.getTime() + options.lifetimeDays * 86_400_000);
  return privateKeyOf(identity, rfc3339(now), expires === undefined ? undefined : rfc3339(expires));
}

/** The PrivateKey for an age identity string; the recipient is derived from it. */
export async function privateKeyOf(identity: string, created: string, expires?: string): Promise<PrivateKey> {
  const { identityToRecipient } = await import("age-encryption");
  const recipient = await identityToRecipient(identity);
  const key: PrivateKey = { id: keyIdOf(recipient), type: keyTypeOf(recipient), recipient, created, identity };
  if (expires !== undefined) key.expires = expires;
  return key;
}

/** The public half, safe to publish. */
export function publicKeyOf(key: PublicKey): PublicKey {
  const { id, type, recipient, created, expires } = key;
  return expires === undefined ? { id, type, recipient, created } : { id, type, recipient, created, expires };
}

/** RFC 3339 in UTC without fractional seconds, as age-keygen writes it. */
export function rfc3339(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Identity file text: per key `# created:`, `# public key:`, optional `# expires:`, then the secret key line. */
export function formatIdentityFile(keys: readonly PrivateKey[]): string {
  return keys
    .map((k) => {
      const expires = k.expires === undefined ? "" : `# expires: ${k.expires}\n`;
      return `# created: ${k.created}\n# public key: ${k.recipient}\n${expires}${k.identity}\n`;
    })
    .join("\n");
}

/**
 * Keys from an identity file (ours or age-keygen's). Comment lines before a key describe it; a `# public key:`
 * that does not match the secret key is refused. Messages give line numbers, never the key material.
 */
export async function parseIdentityFile(text: string, source: string): Promise<PrivateKey[]> {
  const keys: PrivateKey[] = [];
  let comments: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    const where = `${source}: line ${index + 1}`;
    if (line === "") continue;
    if (line.startsWith("#")) {
      const match = /^#\s*(created|public key|expires):\s*(\S+)\s*$/.exec(line);
      if (match?.[1] !== undefined && match[2] !== undefined) comments[match[1]] = match[2];
      continue;
    }
    if (!line.startsWith(X25519_IDENTITY) && !line.startsWith(PQ_IDENTITY)) {
      throw new InputError(
        `${where} is not an age identity (AGE-SECRET-KEY-1... or AGE-SECRET-KEY-PQ-1...)`,
        "pass an identity file made by age-keygen or `kubectl seal keys generate`",
      );
    }
    let key: PrivateKey;
    try {
      key = await privateKeyOf(line, comments["created"] ?? "1970-01-01T00:00:00Z", comments["expires"]);
    } catch {
      // No `cause`: bech32 errors quote the string, which is the private key.
      throw new InputError(`${where} holds a damaged age identity`, "restore the file from its backup");
    }
    const claimed = comments["public key"];
    if (claimed !== undefined && claimed !== key.recipient) {
      throw new InputError(
        `${where}: the secret key does not belong to the "# public key" comment above it (${claimed.slice(0, 24)}...)`,
        "the file was edited by hand; restore it from its backup",
      );
    }
    keys.push(key);
    comments = {};
  }
  if (keys.length === 0) {
    throw new InputError(`${source} holds no age identity`, "pass the private identity file, not the public bundle");
  }
  return keys;
}
