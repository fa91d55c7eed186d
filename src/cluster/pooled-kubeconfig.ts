// A KubeConfig whose API clients reuse their connections. client-node 2.0's KubeConfig.applySecurityAuthentication
// builds a new undici Agent for every request of every generated API client, so each call opens a fresh TCP
// connection with a full TLS handshake (and a new SecureContext parsing the CA), and the idle agents linger with
// their sockets. For the controller that was most of its CPU time during a cold start and hundreds of MB of RSS
// (bench/, BENCHMARKS.md). Here the first agent built for a cluster+user is kept and handed to every later request.
import { KubeConfig } from "@kubernetes/client-node";
import type { RequestContext } from "@kubernetes/client-node";

type Dispatcher = Parameters<RequestContext["setDispatcher"]>[0];

export class PooledKubeConfig extends KubeConfig {
  private readonly dispatchers = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    // Keyed like client-node's own agent cache: the TLS material comes from the current cluster and user.
    const key = JSON.stringify([this.getCurrentCluster()?.name ?? "", this.getCurrentUser()?.name ?? ""]);
    const set = context.setDispatcher.bind(context);
    context.setDispatcher = (fresh: Dispatcher) => {
      const kept = this.dispatchers.get(key);
      if (kept === undefined) {
        this.dispatchers.set(key, fresh);
        set(fresh);
        return;
      }
      void fresh.close(); // never used: no connection was opened
      set(kept);
    };
    try {
      await super.applySecurityAuthentication(context);
    } finally {
      context.setDispatcher = set;
    }
  }
}
