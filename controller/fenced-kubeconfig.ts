// A KubeConfig whose clients refuse to send a write (anything but GET) while a fence is down. The leader's term,
// its key manager, SealRequest handler and audit all build their API clients from one of these, with the fence
// "this process still holds the Lease within its renew deadline" (leader.ts): so every write is checked at the
// last moment before it leaves, in one place, as client-go's renew deadline intends, and a leader paused past its
// lease cannot write a Secret, a status, an Event or a key after a successor took over. Reads stay allowed: a
// standby and a leader that lost its lease may still look. The Lease itself is written through a plain KubeConfig.
import type { RequestContext } from "@kubernetes/client-node";
import { PooledKubeConfig } from "../src/cluster/pooled-kubeconfig.js";

/** A write was refused because this process may no longer be the leader. Not retried: the next leader will act. */
export class NotLeaderError extends Error {
  override name = "NotLeaderError";
  constructor(method: string) {
    super(`not sending ${method}: this replica no longer holds the leader Lease (renew deadline passed); the new leader takes over`);
  }
}

export function isNotLeader(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof NotLeaderError) return true;
  return false;
}

export class FencedKubeConfig extends PooledKubeConfig {
  /** Writes are allowed while this returns true; the default allows everything (no leader election). */
  fence: () => boolean = () => true;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const method = String(context.getHttpMethod());
    if (method !== "GET" && !this.fence()) throw new NotLeaderError(method);
    await super.applySecurityAuthentication(context);
  }
}
