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
//
// Audit across crashes. Each key change (a key or signer created, a key retired) is written together with the
// annotation seal.dev/unrecorded naming it; its Event is written (recordNow: retried across an outage) and only
// then is the mark removed. Every serialised step first records what is still marked, with the note "recorded
// late", so a crash between a change and its record is made up for on the next start, before anything is
// published. A rotation's Event (KeyRotated, on the bundle) is written just before the bundle changes: a crash
// in between leaves the old bundle, and the next start finds it differs from the current keys and records it
// then. So records of key changes may come late or twice, never not at all, and once in the normal path.
import type { KubeConfig } from "@kubernetes/client-node";
import { SealError, fingerprintOf, generateKey, generateSigner, publicKeyOf } from "../src/index.js";
import type { KeyBundle, KeyType, PrivateKey, PublicKey } from "../src/index.js";
import type { Audit } from "./audit.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import { BUNDLE_CONFIGMAP, BundlePublisher } from "./bundle-publisher.js";
import { KEY_TYPES, KeyStore, type StoredKey, type StoredSigner, type UnrecordedChange } from "./key-store.js";
import { byCodeUnits } from "./order.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const LATE = "recorded late: the controller stopped between the change and its record";

export interface KeyManagerOptions {
  kc: KubeConfig;
  namespace: string;
  rotationPeriodMs: number;
  audit: Audit;
  log: Logger;
  metrics: Metrics;
  now?: () => Date;
  /**
   * Test seam: called after each durable step of a rotation, to simulate a crash between steps. "key-created"
   * comes right after the key Secret's write, before its Event.
   */
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
      await this.recordOwed();
      const created = await this.rotate(KEY_TYPES, reason);
      return created.map((k) => publicKeyOf(k.key));
    });
  }

  /** Stop using a key for unsealing. Refuses the current key of its type (rotate first). */
  retire(keyId: string): Promise<void> {
    return this.serial(async () => {
      await this.refresh();
      await this.recordOwed();
      const target = this.keys.find((k) => k.key.id === keyId);
      if (target === undefined) throw new RetireError(`no sealing key with id ${keyId}`, "list the key ids in the key bundle or on the key Secrets");
      if (target.state === "retired") return;
      if (this.current().some((k) => k.key.id === keyId)) {
        throw new RetireError(`key ${keyId} is the current ${target.key.type} sealing key`, "rotate first, then retire it");
      }
      await this.store.setState(target.secretName, "retired", "KeyRetired");
      this.log.info("retired key", { keyId });
      await this.refresh();
      const retired = this.keys.find((k) => k.key.id === keyId);
      if (retired?.unrecorded !== undefined) await this.recordChange(retired);
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
    await this.recordOwed();
    const due = KEY_TYPES.filter((type) => this.isDue(type));
    if (due.length > 0) await this.rotate(due, reason);
    else await this.publish("the stored keys changed since the bundle was published");
  }

  private isDue(type: KeyType): boolean {
    const current = this.current().find((k) => k.key.type === type);
    if (current === undefined) return true;
    if (this.opts.rotationPeriodMs <= 0) return false; // 0 disables scheduled rotation
    return Date.parse(current.key.created) + this.opts.rotationPeriodMs <= this.now().getTime();
  }

  /** Create one new key per type (each an atomic write; see the top of the file), then publish. */
  private async rotate(types: readonly KeyType[], reason: string): Promise<StoredKey[]> {
    const created: StoredKey[] = [];
    for (const type of types) {
      const key = await this.newKey(type);
      const generation = 1 + Math.max(0, ...this.keys.filter((k) => k.key.type === type).map((k) => k.generation));
      const stored = await this.store.createKey(key, generation);
      this.keys.push(stored);
      created.push(stored);
      this.log.info("generated key", { keyId: key.id, keyType: type, generation, reason });
      this.opts.afterStep?.("key-created", { type });
      await this.recordChange(stored, reason);
    }
    this.notify();
    await this.publish(reason);
    return created;
  }

  /** Publishes the current keys; a bundle about to name new keys is recorded as a rotation first. */
  private async publish(reason: string): Promise<void> {
    if (this.signer === undefined) return;
    await this.publisher.publish(this.publicKeys(), this.signer, (previous, uid) => this.recordRotation(previous, uid, reason));
    this.opts.afterStep?.("bundle-published", {});
    this.updateMetrics();
  }

  private async recordRotation(previous: KeyBundle | undefined, uid: string, reason: string): Promise<void> {
    if (previous === undefined) return; // the first bundle (or one by another signer): nothing was rotated
    const was = previous.keys.map((k) => k.id);
    const now = this.publicKeys().map((k) => k.id);
    const added = now.filter((id) => !was.includes(id));
    if (added.length === 0) return;
    const replaced = was.filter((id) => !now.includes(id));
    this.log.info("rotated keys", { keyIds: added, previous: replaced, reason });
    await this.opts.audit.recordNow({
      reason: "KeyRotated",
      type: "Normal",
      regarding: { apiVersion: "v1", kind: "ConfigMap", name: BUNDLE_CONFIGMAP, namespace: this.opts.namespace, uid },
      note: `Rotated sealing keys (${reason}): now sealing to ${added.join(", ")}; previous keys still unseal`,
      keyIds: [...added, ...replaced],
    });
  }

  /** Records every key change still marked unrecorded (a crash cut its record off), oldest generation first. */
  private async recordOwed(): Promise<void> {
    const owed = this.keys.filter((k) => k.unrecorded !== undefined).sort(compareKeys);
    for (const stored of owed) await this.recordChange(stored, LATE);
  }

  /** Writes the Event of the change `stored` is marked with (retried across an outage), then clears the mark. */
  private async recordChange(stored: StoredKey, why?: string): Promise<void> {
    const change: UnrecordedChange = stored.unrecorded ?? "KeyGenerated";
    const { id, type } = stored.key;
    const said = change === "KeyGenerated" ? `Generated ${type} sealing key ${id}` : `Retired ${type} key ${id}; it no longer unseals`;
    const note = why === undefined ? said : `${said} (${why})`;
    await this.opts.audit.recordNow({ reason: change, type: "Normal", regarding: this.secretRef(stored.secretName, stored.uid), note, keyIds: [id] });
    await this.store.clearRecorded(stored.secretName);
    delete stored.unrecorded;
  }

  private async newKey(type: KeyType): Promise<PrivateKey> {
    // A key may be sealed to until two rotation periods (at least a day) after it was made: long enough to
    // outlive a late rotation, short enough that clients stop using a key a stopped controller never replaced.
    // Without scheduled rotation keys do not expire.
    const period = this.opts.rotationPeriodMs;
    if (period <= 0) return generateKey(type, { now: this.now() });
    return generateKey(type, { now: this.now(), lifetimeDays: Math.max(2 * period, DAY_MS) / DAY_MS });
  }

  /** The stored signer, or a new one; its KeyGenerated is recorded (late, if a crash cut it off) before use. */
  private async loadOrCreateSigner(): Promise<StoredSigner> {
    let signer = await this.store.readSigner();
    let late = true;
    if (signer === undefined) {
      const fresh = generateSigner();
      const fingerprint = fingerprintOf(fresh.publicKey);
      const made = await this.store.createSigner(fresh.publicKey, fresh.secretKey, fingerprint);
      signer = made.signer;
      late = !made.created;
      if (made.created) this.log.info("generated signer identity", { fingerprint });
    }
    if (signer.unrecorded !== undefined) {
      const note = `Generated the Ed25519 identity that signs the key bundle (${fingerprintOf(signer.publicKey)})`;
      await this.opts.audit.recordNow({ reason: "KeyGenerated", type: "Normal", regarding: this.secretRef(signer.secretName, signer.uid), note: late ? `${note} (${LATE})` : note });
      await this.store.clearRecorded(signer.secretName);
      delete signer.unrecorded;
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
