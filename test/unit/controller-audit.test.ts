// Audit against a fake API server: the first occurrence creates an events.k8s.io/v1 Event, repeats bump its
// series with a merge patch (explicit Content-Type), an expired Event is created afresh, every occurrence writes
// one JSON audit line, and API failures are logged, never thrown.
import { afterEach, describe, expect, it } from "vitest";
import { Audit } from "../../controller/audit.js";
import type { AuditEvent } from "../../controller/audit.js";
import { createLogger } from "../../controller/log.js";
import { fakeApi, jsonBody } from "./fake-kube.js";
import type { FakeApi } from "./fake-kube.js";

interface Seen {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

let fake: FakeApi | undefined;
afterEach(() => fake?.close());

async function audited(respond: (seen: Seen) => number): Promise<{ audit: Audit; seen: Seen[]; lines: string[]; logs: string[] }> {
  const seen: Seen[] = [];
  fake = await fakeApi(async (req, res) => {
    const s = { method: req.method ?? "", path: req.url ?? "", contentType: req.headers["content-type"], body: (await jsonBody(req)) as Record<string, unknown> };
    seen.push(s);
    const code = respond(s);
    res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(code < 300 ? { ...s.body, kind: "Event", apiVersion: "events.k8s.io/v1" } : { kind: "Status", code, message: "nope" }));
  });
  const lines: string[] = [];
  const logs: string[] = [];
  const audit = new Audit({ kc: fake.kc, log: createLogger("debug", (l) => logs.push(l)), controllerName: "ctl", instance: "pod-1", write: (l) => lines.push(l) });
  return { audit, seen, lines, logs };
}

const failed: AuditEvent = {
  reason: "UnsealFailed",
  type: "Warning",
  regarding: { apiVersion: "seal.dev/v1alpha1", kind: "SealedSecret", name: "db", namespace: "app", uid: "u-1" },
  note: "tampered: SealedSecret app/db key password: the ciphertext fails authentication",
  dataKeys: ["password"],
};

describe("Audit", () => {
  it("creates an Event, then bumps its series for identical repeats", async () => {
    const { audit, seen, lines } = await audited(() => 200);
    await audit.record(failed);
    await audit.record(failed);
    await audit.record(failed);
    expect(seen.map((s) => s.method)).toEqual(["POST", "PATCH", "PATCH"]);
    const created = seen[0];
    expect(created?.path).toBe("/apis/events.k8s.io/v1/namespaces/app/events");
    expect(created?.body).toMatchObject({
      reason: "UnsealFailed",
      type: "Warning",
      action: "Unseal",
      note: failed.note,
      reportingController: "seal.dev/controller",
      reportingInstance: "pod-1",
      regarding: failed.regarding,
    });
    expect(String(created?.body.eventTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const name = (created?.body.metadata as { name: string }).name;
    expect(seen[1]?.path).toBe(`/apis/events.k8s.io/v1/namespaces/app/events/${name}`);
    expect(seen[1]?.contentType).toBe("application/merge-patch+json");
    expect(seen.slice(1).map((s) => (s.body.series as { count: number }).count)).toEqual([2, 3]);
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      audit: true,
      who: "ctl/pod-1",
      what: "UnsealFailed",
      object: { kind: "SealedSecret", namespace: "app", name: "db", uid: "u-1" },
      keyIds: [],
      dataKeys: ["password"],
    });
  });

  it("starts a new Event when the old one expired, and one per distinct note", async () => {
    const { audit, seen } = await audited((s) => (s.method === "PATCH" ? 404 : 201));
    await audit.record(failed);
    await audit.record(failed);
    await audit.record({ ...failed, note: "wrong-scope: moved" });
    expect(seen.map((s) => s.method)).toEqual(["POST", "PATCH", "POST", "POST"]);
  });

  it("never throws: an API failure is logged with the status and the server's message", async () => {
    const { audit, lines, logs } = await audited(() => 403);
    await expect(audit.record(failed)).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(logs.map((l) => JSON.parse(l) as { msg: string; error: string })).toEqual([
      expect.objectContaining({ msg: "could not record audit event", error: "HTTP 403: nope" }),
    ]);
  });
});
