// The operations HTTP server: /healthz (the process is alive), /readyz (it can do its job: caches synced, or
// standing by for the lease) and /metrics (Prometheus text format from the controller's registry).
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "./log.js";

export interface HealthOptions {
  /** "host:port", ":port" or "port"; port 0 picks a free port (logged, and returned by start()). */
  addr: string;
  registry: Registry;
  ready: () => boolean;
  log: Logger;
}

export function parseAddr(addr: string): { host: string | undefined; port: number } {
  const colon = addr.lastIndexOf(":");
  const host = colon > 0 ? addr.slice(0, colon).replace(/^\[|\]$/g, "") : undefined;
  const port = Number(colon >= 0 ? addr.slice(colon + 1) : addr);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid address "${addr}": use host:port, :port or port (0 picks a free port)`);
  }
  return { host, port };
}

export class HealthServer {
  private readonly server: Server;

  constructor(private readonly o: HealthOptions) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/healthz") {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      } else if (path === "/readyz") {
        const ready = o.ready();
        res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ok\n" : "not ready\n");
      } else if (path === "/metrics") {
        o.registry.metrics().then(
          (text) => res.writeHead(200, { "content-type": o.registry.contentType }).end(text),
          (err: unknown) => {
            o.log.warn("could not render metrics", { error: err instanceof Error ? err.message : String(err) });
            res.writeHead(500).end();
          },
        );
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      }
    });
  }

  /** Listens and returns the bound port. */
  async start(): Promise<number> {
    const { host, port } = parseAddr(this.o.addr);
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => resolve());
    });
    const bound = (this.server.address() as AddressInfo).port;
    this.o.log.info("serving health and metrics", { port: bound, paths: ["/healthz", "/readyz", "/metrics"] });
    return bound;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
