// Leader election on a coordination.k8s.io/v1 Lease, in the shape of client-go's leaderelection package:
// acquire a lease that has expired (judged by OUR clock since we last saw it change, so clock skew between
// replicas does not matter), renew it every retry period, and give up leadership the moment a renewal has not
// succeeded within the renew deadline. Every write carries the resourceVersion we read, so two candidates
// racing for the same expired lease cannot both win: the API server rejects the second write with 409.
// holdsLease() is the fence every write of the leader checks first (fenced-kubeconfig.ts): it turns false the
// moment the renew deadline has passed since the last successful renewal, even if the renew loop has not run since
// (a process paused by SIGSTOP, a starved event loop), so a leader that may have been replaced writes nothing.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import type { Logger } from "./log.js";
import { describeApiError, statusOf } from "./audit.js";

export interface LeaderElectorOptions {
  kc: KubeConfig;
  namespace: string;
  leaseName: string;
  /** Unique per process (pod name, or host + pid). */
  identity: string;
  /** How long a lease stays valid after its last renewal; followers wait this long before taking over. */
  leaseDurationMs: number;
  /** The leader steps down if it could not renew for this long. Must be below leaseDurationMs. */
  renewDeadlineMs?: number;
  /** Pause between acquire/renew attempts. */
  retryPeriodMs?: number;
  log: Logger;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly log: Logger;
  /** The lease as we last read it, and when (our clock) its content last changed. */
  private observed: V1Lease | undefined;
  private observedAt = 0;
  private leading = false;
  /** When (our clock) the last successful acquire/renew was sent: the lease ran from then at the latest. */
  private lastRenew = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.api = opts.kc.makeApiClient(CoordinationV1Api);
    this.leaseDurationMs = opts.leaseDurationMs;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? Math.floor((opts.leaseDurationMs * 2) / 3);
    this.retryPeriodMs = opts.retryPeriodMs ?? Math.max(200, Math.floor(opts.leaseDurationMs / 6));
    if (this.renewDeadlineMs >= this.leaseDurationMs) {
      throw new Error("leader election: renew deadline must be shorter than the lease duration");
    }
    this.log = opts.log.with({ component: "leader", lease: `${opts.namespace}/${opts.leaseName}` });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** True while leading and the last renewal is younger than the renew deadline: writes are safe. */
  holdsLease(): boolean {
    return this.leading && Date.now() - this.lastRenew < this.renewDeadlineMs;
  }

  /**
   * Campaign until elected, call onStartedLeading, keep renewing; resolves when leadership ends, either
   * because stop() was called or because renewal failed (then onStoppedLeading has been called first, before
   * anything else can happen, so the caller stops acting as leader at once).
   */
  run(onStartedLeading: () => Promise<void>, onStoppedLeading: () => void): Promise<void> {
    this.running = this.campaign(onStartedLeading, onStoppedLeading);
    return this.running;
  }

  /** Stop campaigning; if leading, release the lease so a successor takes over without waiting for expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running?.catch(() => undefined);
  }

  private async campaign(onStartedLeading: () => Promise<void>, onStoppedLeading: () => void): Promise<void> {
    for (;;) {
      const attempt = Date.now();
      if (this.stopped) return;
      if (await this.tryAcquireOrRenew()) {
        this.lastRenew = attempt;
        break;
      }
      await this.pause();
    }
    this.leading = true;
    this.log.info("became leader", { identity: this.opts.identity });
    // The callback runs alongside the renew loop; an error in it ends leadership so another replica can try.
    let failed = false;
    onStartedLeading().catch((err: unknown) => {
      this.log.error("leader work failed; stepping down", { err });
      failed = true;
      this.wake?.();
    });
    while (!this.stopped && !failed) {
      await this.pause();
      if (this.stopped || failed) break;
      const attempt = Date.now();
      // Past the deadline already (say, the process was paused): the lease may be someone else's by now, and
      // renewing it would make us leader on top of whatever the other replica did. Step down and campaign anew.
      if (!this.holdsLease()) break;
      if (await this.tryAcquireOrRenew()) {
        this.lastRenew = attempt;
      } else if (!this.holdsLease()) {
        break;
      }
    }
    this.leading = false;
    if (this.stopped) {
      onStoppedLeading();
      await this.release();
    } else {
      this.log.warn("lost leadership", { identity: this.opts.identity });
      onStoppedLeading();
    }
  }

  /** One attempt; true if we hold the lease afterwards. Never throws: API trouble is just "not this time". */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, leaseName: name, identity } = this.opts;
    const now = new V1MicroTime();
    try {
      const current = await this.withDeadline(this.readLease());
      if (current === undefined) {
        const created = await this.withDeadline(
          this.api.createNamespacedLease({
            namespace,
            body: { metadata: { name, namespace }, spec: this.spec(now, now, 0) },
          }),
        );
        this.remember(created);
        return true;
      }
      this.remember(current);
      const spec = current.spec ?? {};
      const held = spec.holderIdentity !== undefined && spec.holderIdentity !== "";
      const mine = spec.holderIdentity === identity;
      const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
      if (held && !mine && Date.now() < this.observedAt + durationMs) return false;
      const acquireTime = mine && spec.acquireTime !== undefined ? new V1MicroTime(spec.acquireTime) : now;
      const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
      const replaced = await this.withDeadline(
        this.api.replaceNamespacedLease({
          name,
          namespace,
          body: { ...current, spec: this.spec(acquireTime, now, transitions) },
        }),
      );
      this.remember(replaced);
      return true;
    } catch (err) {
      // 409 means someone else wrote the lease first: expected when racing, so only debug.
      const level = statusOf(err) === 409 ? "debug" : "warn";
      this.log[level]("lease acquire/renew failed", { reason: describeApiError(err) });
      return false;
    }
  }

  private spec(acquireTime: Date, renewTime: Date, leaseTransitions: number): NonNullable<V1Lease["spec"]> {
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseDurationMs / 1000)),
      acquireTime,
      renewTime,
      leaseTransitions,
    };
  }

  /** Give the lease up (empty holder, 1s duration, as client-go does) so a follower need not wait for expiry. */
  private async release(): Promise<void> {
    const { namespace, leaseName: name, identity } = this.opts;
    try {
      const current = await this.withDeadline(this.readLease());
      if (current?.spec?.holderIdentity !== identity) return;
      const now = new V1MicroTime();
      await this.withDeadline(
        this.api.replaceNamespacedLease({
          name,
          namespace,
          body: {
            ...current,
            spec: { ...current.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
          },
        }),
      );
      this.log.info("released leadership", { identity });
    } catch (err) {
      this.log.warn("could not release the lease; followers will take over when it expires", { reason: describeApiError(err) });
    }
  }

  private async readLease(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.opts.leaseName, namespace: this.opts.namespace });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Restart the expiry clock whenever the lease record changes (a renewal by the holder changes renewTime). */
  private remember(lease: V1Lease): void {
    const before = this.observed;
    const changed =
      before === undefined ||
      before.spec?.holderIdentity !== lease.spec?.holderIdentity ||
      String(before.spec?.renewTime) !== String(lease.spec?.renewTime);
    this.observed = lease;
    if (changed) this.observedAt = Date.now();
  }

  /** A hung API call must not keep a leader believing it still leads past its renew deadline. */
  private withDeadline<T>(call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("lease request timed out")), this.renewDeadlineMs);
    });
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.retryPeriodMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
