// KeyManager: owns the controller's signer and sealing keys (stored by key-store.ts), rotates them on schedule
// or on request, retires them on request, and keeps the published bundle in step.
//
// Crash safety. Which key is "current" (the one to seal to) is not stored anywhere: it is DERIVED as the
// active key with the highest generation, per key type. So a rotation has exactly one durable step per key
// type, the creation of the new key Secret, which is atomic, and nothing to flip afterwards:
//   - a crash before the create leaves the old key current (nothing happened);
//   - a crash after it leaves the new key current and the old one still stored for unsealing;
//   - a crash between the creates of two types leaves one type rotated; the other is still due, so the next
//     start (or tick) rotates it; the bundle is re-derived and re-published on every start.
// There can never be two current keys of a type, and no step deletes a key. Retiring only changes an
// annotation, and the current key is never retired.
import type { KubeConfig } from "@kubernetes/client-node";
import { SealError, fingerprintOf, generateKey, generateSigner, publicKeyOf } from "../src/index.js";
import type { KeyType, PrivateKey, PublicKey } from "../src/index.js";
import type { Audit } from "./audit.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import { BUNDLE_CONFIGMAP, BundlePublisher } from "./bundle-publisher.js";
import { KEY_TYPES, KeyStore, type StoredKey, type StoredSigner } from "./key-store.js";
import { byCodeUnits } from "./order.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface KeyManagerOptions {
  kc: KubeConfig;
  namespace: string;
  rotationPeriodMs: number;
  audit: Audit;
  log: Logger;
  metrics: Metrics;
  now?: () => Date;
  /** Test seam: called after each durable step of a rotation, to simulate a crash between steps. */
  afterStep?: (step: "key-created" | "bundle-published", detail: { type?: KeyType }) => void;
}

/** Asked to retire a key that cannot be retired; the message says why and what to do. */
export class RetireError extends SealError {
  constructor(problem: string, hint: string) {
    super(problem, hint);
    this.name = "RetireError";
  }
}

export class KeyManager {
  private readonly store: KeyStore;
  private readonly publisher: BundlePublisher;
  private readonly log: Logger;
  private readonly now: () => Date;
  private signer: StoredSigner | undefined;
  private keys: StoredKey[] = [];
  private readonly listeners: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Serialises rotations, retirements and ticks: each reads the stored keys and writes on top of them. */
  private busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: KeyManagerOptions) {
    this.log = opts.log.with({ component: "keys" });
    this.store = new KeyStore(opts.kc, opts.namespace, this.log);
    this.publisher = new BundlePublisher(opts.kc, opts.namespace);
    this.now = opts.now ?? (() => new Date());
  }

  /** Load (or on first start create) the signer and keys, rotate what is due, publish, then check on a timer. */
  async start(): Promise<void> {
    await this.serial(() => this.sync("scheduled"));
    // Also re-reads the stored keys, so a restored or retired-by-hand key is noticed without a restart.
    const period = this.opts.rotationPeriodMs;
    const tick = period > 0 ? Math.min(60_000, Math.max(250, Math.floor(period / 4))) : 60_000;
    this.timer = setInterval(() => {
      this.serial(() => this.sync("scheduled")).catch((err: unknown) => {
        this.log.warn("key check failed; will retry", { err });
      });
    }, tick);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Keys that may open sealed values: every active key, current ones first. Never logged. */
  privateKeys(): PrivateKey[] {
    const current = new Set(this.current().map((k) => k.key.id));
    const active = this.keys.filter((k) => k.state === "active");
    return [...active.filter((k) => current.has(k.key.id)), ...active.filter((k) => !current.has(k.key.id))].map((k) => k.key);
  }

  /** The public halves of the current keys, i.e. the bundle's content. */
  publicKeys(): PublicKey[] {
    return this.current().map((k) => publicKeyOf(k.key));
  }

  /** Every stored key (also retired), for requests that need ids and states. */
  storedKeys(): readonly StoredKey[] {
    return this.keys;
  }

  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  /** Make a new key of every type the one to seal to; returns the new public keys. */
  rotateNow(reason: string): Promise<PublicKey[]> {
    return this.serial(async () => {
      await this.refresh();
      const created = await this.rotate(KEY_TYPES, reason);
      return created.map((k) => publicKeyOf(k.key));
    });
  }

  /** Stop using a key for unsealing. Refuses the current key of its type (rotate first). */
  retire(keyId: string): Promise<void> {
    return this.serial(async () => {
      await this.refresh();
      const target = this.keys.find((k) => k.key.id === keyId);
      if (target === undefined) throw new RetireError(`no sealing key with id ${keyId}`, "list the key ids in the key bundle or on the key Secrets");
      if (target.state === "retired") return;
      if (this.current().some((k) => k.key.id === keyId)) {
        throw new RetireError(`key ${keyId} is the current ${target.key.type} sealing key`, "rotate first, then retire it");
      }
      await this.store.setState(target.secretName, "retired");
      await this.refresh();
      this.log.info("retired key", { keyId });
      this.opts.audit.record({
        reason: "KeyRetired",
        type: "Normal",
        regarding: this.secretRef(target.secretName, target.uid),
        note: `Retired ${target.key.type} key ${keyId}; it no longer unseals`,
        keyIds: [keyId],
      });
    });
  }

  /** The current key of each type: highest generation among active keys (ties: newest created, then name). */
  private current(): StoredKey[] {
    const best = new Map<KeyType, StoredKey>();
    for (const k of this.keys) {
      if (k.state !== "active") continue;
      const held = best.get(k.key.type);
      if (held === undefined || compareKeys(k, held) > 0) best.set(k.key.type, k);
    }
    return KEY_TYPES.flatMap((t) => best.get(t) ?? []);
  }

  private async sync(reason: string): Promise<void> {
    if (this.signer === undefined) this.signer = await this.loadOrCreateSigner();
    await this.refresh();
    const due = KEY_TYPES.filter((type) => this.isDue(type));
    if (due.length > 0) await this.rotate(due, reason);
    else await this.publish([]);
  }

  private isDue(type: KeyType): boolean {
    const current = this.current().find((k) => k.key.type === type);
    if (current === undefined) return true;
    if (this.opts.rotationPeriodMs <= 0) return false; // 0 disables scheduled rotation
    return Date.parse(current.key.created) + this.opts.rotationPeriodMs <= this.now().getTime();
  }

  /** Create one new key per type (each an atomic write; see the top of the file), then publish. */
  private async rotate(types: readonly KeyType[], reason: string): Promise<StoredKey[]> {
    const before = this.current();
    const created: StoredKey[] = [];
    for (const type of types) {
      const key = await this.newKey(type);
      const generation = 1 + Math.max(0, ...this.keys.filter((k) => k.key.type === type).map((k) => k.generation));
      const stored = await this.store.createKey(key, generation);
      this.keys.push(stored);
      created.push(stored);
      this.log.info("generated key", { keyId: key.id, keyType: type, generation, reason });
      this.opts.audit.record({
        reason: "KeyGenerated",
        type: "Normal",
        regarding: this.secretRef(stored.secretName, stored.uid),
        note: `Generated ${type} sealing key ${key.id} (${reason})`,
        keyIds: [key.id],
      });
      this.opts.afterStep?.("key-created", { type });
    }
    this.notify();
    await this.publish(before.length === 0 ? [] : created.map((k) => k.key.id), reason, before);
    return created;
  }

  private async publish(rotatedIds: string[], reason = "", before: StoredKey[] = []): Promise<void> {
    if (this.signer === undefined) return;
    const { uid, changed } = await this.publisher.publish(this.publicKeys(), this.signer);
    this.opts.afterStep?.("bundle-published", {});
    this.updateMetrics();
    if (!changed || rotatedIds.length === 0) return;
    const retiredFromSealing = before.filter((k) => !this.current().includes(k)).map((k) => k.key.id);
    this.log.info("rotated keys", { keyIds: rotatedIds, previous: retiredFromSealing, reason });
    this.opts.audit.record({
      reason: "KeyRotated",
      type: "Normal",
      regarding: { apiVersion: "v1", kind: "ConfigMap", name: BUNDLE_CONFIGMAP, namespace: this.opts.namespace, uid },
      note: `Rotated sealing keys (${reason}): now sealing to ${rotatedIds.join(", ")}; previous keys still unseal`,
      keyIds: [...rotatedIds, ...retiredFromSealing],
    });
  }

  private async newKey(type: KeyType): Promise<PrivateKey> {
    // A key may be sealed to until two rotation periods (at least a day) after it was made: long enough to
    // outlive a late rotation, short enough that clients stop using a key a stopped controller never replaced.
    // Without scheduled rotation keys do not expire.
    const period = this.opts.rotationPeriodMs;
    if (period <= 0) return generateKey(type, { now: this.now() });
    return generateKey(type, { now: this.now(), lifetimeDays: Math.max(2 * period, DAY_MS) / DAY_MS });
  }

  private async loadOrCreateSigner(): Promise<StoredSigner> {
    const stored = await this.store.readSigner();
    if (stored !== undefined) return stored;
    const fresh = generateSigner();
    const fingerprint = fingerprintOf(fresh.publicKey);
    const { signer, created } = await this.store.createSigner(fresh.publicKey, fresh.secretKey, fingerprint);
    if (created) {
      this.log.info("generated signer identity", { fingerprint });
      this.opts.audit.record({
        reason: "KeyGenerated",
        type: "Normal",
        regarding: this.secretRef(signer.secretName, signer.uid),
        note: `Generated the Ed25519 identity that signs the key bundle (${fingerprint})`,
      });
    }
    return signer;
  }

  /** Re-read stored keys (picks up restores and other writers); tell listeners when the usable set changed. */
  private async refresh(): Promise<void> {
    const before = this.privateKeys().map((k) => k.id).join(",");
    this.keys = await this.store.listKeys();
    this.updateMetrics();
    if (this.privateKeys().map((k) => k.id).join(",") !== before) this.notify();
  }

  private updateMetrics(): void {
    this.opts.metrics.keys.set(this.privateKeys().length);
    const newest = Math.max(0, ...this.current().map((k) => Date.parse(k.key.created)));
    if (newest > 0) this.opts.metrics.lastRotation.set(newest / 1000);
  }

  private notify(): void {
    for (const cb of this.listeners) {
      try {
        cb();
      } catch (err) {
        this.log.warn("key change listener failed", { err });
      }
    }
  }

  private secretRef(name: string, uid: string): { apiVersion: string; kind: string; name: string; namespace: string; uid: string } {
    return { apiVersion: "v1", kind: "Secret", name, namespace: this.opts.namespace, uid };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.busy.then(work, work);
    this.busy = next.catch(() => undefined);
    return next;
  }
}

function compareKeys(a: StoredKey, b: StoredKey): number {
  return a.generation - b.generation || Date.parse(a.key.created) - Date.parse(b.key.created) || byCodeUnits(a.secretName, b.secretName);
}
