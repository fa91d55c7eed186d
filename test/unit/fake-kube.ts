// A KubeConfig pointing at a plain-HTTP fake API server on 127.0.0.1, for unit tests of controller modules.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";

export interface FakeApi {
  server: Server;
  kc: KubeConfig;
  close(): void;
}

export async function fakeApi(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<FakeApi> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "fake", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "c", cluster: "fake", user: "u" }],
    currentContext: "c",
  });
  return {
    server,
    kc,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** The request body, parsed as JSON. */
export async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}
