// SealRequestHandler against a fake API server: which requests it takes (Rotate only in its own namespace, file
// requests in any watched one, nothing with a phase), how it writes answers (merge patch with an explicit
// Content-Type; an answer refused as too large becomes a Failed status saying so; transient failures are retried),
// that a request's Event is written before its status (and a request whose Event the lease fence refused is left
// to the next leader), and that it deletes finished Verify/Reencrypt requests after their time-to-live, guarded by
// their uid.
import { afterEach, describe, expect, it } from "vitest";
import { setTimeout as later } from "node:timers/promises";
import type { AuditEvent } from "../../controller/audit.js";
import { NotLeaderError } from "../../controller/fenced-kubeconfig.js";
import { SealRequestHandler } from "../../controller/requests.js";
import { createLogger } from "../../controller/log.js";
import { generateKey, publicKeyOf, seal } from "../../src/index.js";
import type { SealRequest } from "../../src/sealrequest.js";
import { utf8 } from "./core-fixtures.js";
import { fakeApi, jsonBody } from "./fake-kube.js";
import type { FakeApi } from "./fake-kube.js";

interface Call {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

let fake: FakeApi | undefined;
let handler: SealRequestHandler | undefined;
afterEach(async () => {
  await handler?.stop();
  fake?.close();
});

const key = await generateKey("x25519");
const file = await seal({ name: "db", namespace: "shop", data: { a: utf8("canary-a") } }, [publicKeyOf(key)], { scope: "strict" });

function request(name: string, namespace: string, spec: SealRequest["spec"], status?: SealRequest["status"]): SealRequest {
  return { apiVersion: "seal.dev/v1alpha1", kind: "SealRequest", metadata: { name, namespace, uid: `uid-${name}` }, spec, ...(status ? { status } : {}) };
}

/** A fake API listing `items` once (then a quiet watch), answering writes with `respond`. */
async function serve(items: SealRequest[], respond: (call: Call, calls: Call[]) => number): Promise<Call[]> {
  const calls: Call[] = [];
  fake = await fakeApi(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" });
      if (url.searchParams.get("watch") !== "true") res.end(JSON.stringify({ kind: "SealRequestList", apiVersion: "seal.dev/v1alpha1", metadata: { resourceVersion: "1" }, items }));
      else res.flushHeaders(); // a watch stays open and quiet
      return;
    }
    const call = { method: req.method ?? "", path: url.pathname, contentType: req.headers["content-type"], body: (await jsonBody(req)) as Record<string, unknown> };
    calls.push(call);
    const code = respond(call, calls);
    res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(code < 300 ? {} : { kind: "Status", code, message: code === 422 ? "request is too large" : "unavailable" }));
  });
  return calls;
}

type RecordNow = (e: AuditEvent) => Promise<void>;

function start(rotated: string[], watchNamespaces: string[] = [], recordNow: RecordNow = async () => undefined, rotateFails = false): SealRequestHandler {
  handler = new SealRequestHandler({
    kc: (fake as FakeApi).kc,
    namespace: "ctl",
    watchNamespaces,
    keys: {
      rotateNow: async (reason) => {
        if (rotateFails) throw new Error("key Secret could not be written");
        rotated.push(reason);
        return [publicKeyOf(key)];
      },
      retire: async () => undefined,
      privateKeys: () => [key],
      publicKeys: () => [publicKeyOf(key)],
    },
    audit: { recordNow },
    log: createLogger("error", () => undefined),
  });
  return handler;
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("SealRequestHandler", () => {
  it("takes Rotate only in its own namespace, file requests in watched ones, and nothing with a phase", async () => {
    const calls = await serve(
      [
        request("rotate-here", "ctl", { action: "Rotate" }),
        request("rotate-there", "shop", { action: "Rotate" }),
        request("verify", "shop", { action: "Verify", objects: [file] }),
        request("verify-unwatched", "other", { action: "Verify", objects: [file] }),
        request("done", "ctl", { action: "Rotate" }, { phase: "Complete", message: "earlier" }),
      ],
      () => 200,
    );
    const rotated: string[] = [];
    await start(rotated, ["shop"]).start();
    await until("two answers", () => calls.length >= 2);
    await handler?.idle();
    expect(rotated).toEqual(["SealRequest ctl/rotate-here"]);
    expect(calls.map((c) => `${c.method} ${c.path}`).sort()).toEqual([
      "PATCH /apis/seal.dev/v1alpha1/namespaces/ctl/sealrequests/rotate-here/status",
      "PATCH /apis/seal.dev/v1alpha1/namespaces/shop/sealrequests/verify/status",
    ]);
    for (const c of calls) expect(c.contentType).toBe("application/merge-patch+json");
    const verify = calls.find((c) => c.path.includes("/verify/"))?.body["status"];
    expect(verify).toMatchObject({ phase: "Complete", results: [{ index: 0, object: "shop/db", ok: true, keyIds: [key.id] }] });
    expect(JSON.stringify(calls)).not.toContain("canary-");
  });

  it("writes a request's Event before its status; a request whose Event the lease fence refused gets no status", async () => {
    const order: string[] = [];
    const calls = await serve(
      [request("verify", "shop", { action: "Verify", objects: [file] }), request("fenced", "shop", { action: "Verify", objects: [file] })],
      (call) => (order.push(`status ${call.path.split("/")[7] ?? ""}`), 200),
    );
    const recordNow: RecordNow = async (e) => {
      if (e.regarding.name === "fenced") throw new NotLeaderError("POST");
      await later(100); // a slow Event write: a status sent without waiting for it would arrive first
      order.push(`event ${e.regarding.name}`);
    };
    await start([], ["shop"], recordNow).start();
    await until("the answer", () => calls.length >= 1);
    await handler?.idle();
    expect(order).toEqual(["event verify", "status verify"]);
  });

  it("records a Rotate that failed on an error and a refused Retire, each before its Failed status", async () => {
    const order: string[] = [];
    const calls = await serve(
      [request("rotate", "ctl", { action: "Rotate" }), request("retire", "ctl", { action: "Retire" })],
      (call) => (order.push(`status ${call.path.split("/")[7] ?? ""}`), 200),
    );
    const recordNow: RecordNow = async (e) => {
      await later(100); // a slow Event write: a status sent without waiting for it would arrive first
      order.push(`${e.reason} ${e.regarding.name}: ${e.note}`);
    };
    await start([], [], recordNow, true).start();
    await until("both answers", () => calls.length >= 2);
    await handler?.idle();
    expect(order).toEqual([
      "RotateFailed rotate: key Secret could not be written",
      "status rotate",
      "RetireFailed retire: spec.keyId is required for Retire: set it to the id of the key to retire",
      "status retire",
    ]);
  });

  it("answers a Rotate while a big Verify is still under way (key and file requests run in separate lanes)", async () => {
    const objects = await Promise.all(
      Array.from({ length: 100 }, (_, i) => seal({ name: `db-${i}`, namespace: "shop", data: { a: utf8("canary-a") } }, [publicKeyOf(key)], { scope: "strict" })),
    );
    const calls = await serve([request("big", "shop", { action: "Verify", objects }), request("rotate", "ctl", { action: "Rotate" })], () => 200);
    await start([]).start();
    await until("both answers", () => calls.length >= 2);
    // The Verify came first; its 100 objects take many turns of the event loop, the Rotate a few.
    expect(calls.map((c) => c.path.split("/")[7])).toEqual(["rotate", "big"]);
  });

  it("replaces an answer the API server refuses with a Failed status, and retries transient failures", async () => {
    const calls = await serve([request("verify", "shop", { action: "Verify", objects: [file] })], (_call, all) => [503, 422, 200][all.length - 1] ?? 200);
    await start([]).start();
    await until("third write", () => calls.length >= 3);
    expect(calls.map((c) => (c.body["status"] as { results?: unknown }).results === undefined)).toEqual([false, false, true]);
    expect(calls[2]?.body["status"]).toMatchObject({
      phase: "Failed",
      message: "the answer could not be stored (HTTP 422: request is too large): send fewer or smaller objects per SealRequest",
    });
  });

  it("deletes a finished file request once its time-to-live has passed, guarded by its uid", async () => {
    const finished = { phase: "Complete" as const, message: "done", completionTime: new Date(Date.now() - 5_000).toISOString() };
    const calls = await serve(
      [
        request("old-verify", "shop", { action: "Verify", objects: [file], ttlSecondsAfterFinished: 1 }, finished),
        request("fresh-verify", "shop", { action: "Verify", objects: [file] }, finished),
        request("old-rotate", "ctl", { action: "Rotate" }, finished),
      ],
      () => 200,
    );
    await start([]).start();
    await until("a delete", () => calls.length >= 1);
    await handler?.idle();
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(["DELETE /apis/seal.dev/v1alpha1/namespaces/shop/sealrequests/old-verify"]);
    expect(calls[0]?.body).toMatchObject({ preconditions: { uid: "uid-old-verify" } });
  });
});
