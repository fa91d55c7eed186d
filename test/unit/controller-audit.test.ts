// Audit against a fake API server: the first occurrence creates an events.k8s.io/v1 Event, repeats bump its
// series with a merge patch (explicit Content-Type), an expired Event is created afresh, every occurrence writes
// one JSON audit line before its Event, and API failures are logged, never thrown. Transient failures (no answer,
// 5xx, 429) are retried with backoff until the retry deadline (or hurry()'s), then the Event is dropped and
// counted; recordNow() resolves only once its Event is written or dropped.
import { afterEach, describe, expect, it } from "vitest";
import { Audit } from "../../controller/audit.js";
import type { AuditEvent } from "../../controller/audit.js";
import { createLogger } from "../../controller/log.js";
import { createMetrics } from "../../controller/metrics.js";
import { waitFor } from "../integration/helpers/wait.js";
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

interface Audited {
  audit: Audit;
  seen: Seen[];
  lines: string[];
  logs: string[];
  metrics: ReturnType<typeof createMetrics>;
  /** Answers held back by `hold`, released in order. */
  release: () => void;
}

async function audited(respond: (seen: Seen) => number, opts: { hold?: boolean; retryMs?: number } = {}): Promise<Audited> {
  const seen: Seen[] = [];
  const held: (() => void)[] = [];
  fake = await fakeApi(async (req, res) => {
    const s = { method: req.method ?? "", path: req.url ?? "", contentType: req.headers["content-type"], body: (await jsonBody(req)) as Record<string, unknown> };
    seen.push(s);
    const code = respond(s);
    const answer = () =>
      res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(code < 300 ? { ...s.body, kind: "Event", apiVersion: "events.k8s.io/v1" } : { kind: "Status", code, message: "nope" }));
    if (opts.hold) held.push(answer);
    else answer();
  });
  const lines: string[] = [];
  const logs: string[] = [];
  const metrics = createMetrics({ defaultMetrics: false });
  const audit = new Audit({
    kc: fake.kc,
    log: createLogger("debug", (l) => logs.push(l)),
    controllerName: "ctl",
    instance: "pod-1",
    write: (l) => lines.push(l),
    metrics,
    ...(opts.retryMs === undefined ? {} : { eventRetryMs: opts.retryMs }),
  });
  return { audit, seen, lines, logs, metrics, release: () => held.splice(0).forEach((a) => a()) };
}

const waitUntil = (done: () => boolean): Promise<true> =>
  waitFor(() => done(), { what: "the fake API server to see the Event writes", timeoutMs: 10_000, intervalMs: 5 });

async function dropped(metrics: ReturnType<typeof createMetrics>): Promise<number> {
  return (await metrics.eventsDropped.get()).values[0]?.value ?? 0;
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
    for (let i = 0; i < 3; i++) await audit.recordNow(failed);
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
    await audit.recordNow(failed);
    await audit.recordNow(failed);
    await audit.recordNow({ ...failed, note: "wrong-scope: moved" });
    expect(seen.map((s) => s.method)).toEqual(["POST", "PATCH", "POST", "POST"]);
  });

  it("never throws: an API failure is logged with the status and the server's message", async () => {
    const { audit, lines, logs } = await audited(() => 403);
    await expect(audit.recordNow(failed)).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(logs.map((l) => JSON.parse(l) as { msg: string; error: string })).toEqual([
      expect.objectContaining({ msg: "Event dropped (the audit line was written)", error: "HTTP 403: nope" }),
    ]);
  });

  it("retries an Event the API server fails (5xx) and writes it once the server answers; recordNow waits for it", async () => {
    let attempts = 0;
    const { audit, seen, lines, metrics } = await audited(() => (++attempts <= 2 ? 503 : 201));
    await audit.recordNow(failed);
    expect(seen.map((s) => s.method)).toEqual(["POST", "POST", "POST"]);
    expect(lines).toHaveLength(1);
    expect(await dropped(metrics)).toBe(0);
    await audit.recordNow(failed, true); // a retry of a recorded step: no second audit line
    expect(lines).toHaveLength(1);
  });

  it("drops an Event still failing at the retry deadline, and counts it", async () => {
    const { audit, seen, logs, metrics } = await audited(() => 503, { retryMs: 1_000 });
    await audit.recordNow(failed);
    expect(seen.length).toBeGreaterThan(1);
    expect(await dropped(metrics)).toBe(1);
    expect(logs.some((l) => (JSON.parse(l) as { msg: string }).msg === "Event dropped (the audit line was written)")).toBe(true);
  });

  it("writes the audit line before the Event, and resolves only once the Event is written", async () => {
    const { audit, seen, lines, release } = await audited(() => 201, { hold: true });
    let done = false;
    const recording = audit.recordNow(failed).then(() => (done = true));
    expect(lines).toHaveLength(1); // synchronously: the audit line is out before the Event is sent
    await waitUntil(() => seen.length === 1);
    expect(done).toBe(false); // the Event's answer is held back
    release();
    await recording;
    expect(seen.map((s) => s.method)).toEqual(["POST"]);
  });

  it("hurry(): an Event being retried gives up at the shutdown deadline, counted", async () => {
    const { audit, seen, metrics } = await audited(() => 503); // would retry for a minute
    const recording = audit.recordNow(failed);
    await waitUntil(() => seen.length >= 1);
    audit.hurry(Date.now() + 300);
    await recording;
    expect(await dropped(metrics)).toBe(1);
  });
});
