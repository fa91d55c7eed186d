// Audit against a fake API server: the first occurrence creates an events.k8s.io/v1 Event, repeats bump its
// series with a merge patch (explicit Content-Type), an expired Event is created afresh, every occurrence writes
// one JSON audit line at once while the Event is written in the background, a full event queue drops Events
// (counted, logged once, audit lines still written), and API failures are logged, never thrown. Transient failures
// (no answer, 5xx, 429) are retried with backoff until the retry deadline, then the Event is dropped and counted;
// recordNow() resolves only once its Event is written or dropped.
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

async function audited(respond: (seen: Seen) => number, opts: { hold?: boolean; capacity?: number; retryMs?: number } = {}): Promise<Audited> {
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
    ...(opts.capacity === undefined ? {} : { eventQueueCapacity: opts.capacity }),
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
    audit.record(failed);
    audit.record(failed);
    audit.record(failed);
    await expect(audit.flush(10_000)).resolves.toBe(true);
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
    audit.record(failed);
    audit.record(failed);
    await audit.flush(10_000);
    audit.record({ ...failed, note: "wrong-scope: moved" });
    await audit.flush(10_000);
    expect(seen.map((s) => s.method)).toEqual(["POST", "PATCH", "POST", "POST"]);
  });

  it("never throws: an API failure is logged with the status and the server's message", async () => {
    const { audit, lines, logs } = await audited(() => 403);
    expect(() => audit.record(failed)).not.toThrow();
    await expect(audit.flush(10_000)).resolves.toBe(true);
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
    audit.record(failed);
    await expect(audit.flush(10_000)).resolves.toBe(true);
    expect(seen.length).toBeGreaterThan(1);
    expect(await dropped(metrics)).toBe(1);
    expect(logs.some((l) => (JSON.parse(l) as { msg: string }).msg === "Event dropped (the audit line was written)")).toBe(true);
  });

  it("writes the audit line before the Event, without waiting for the API server", async () => {
    const { audit, seen, lines, release } = await audited(() => 201, { hold: true });
    audit.record(failed);
    expect(lines).toHaveLength(1); // synchronously: the audit line is the record
    expect(seen).toEqual([]);
    await waitUntil(() => seen.length === 1);
    release();
    await expect(audit.flush(10_000)).resolves.toBe(true);
  });

  it("writes distinct Events in parallel, and repeats of one series strictly one after another", async () => {
    const { audit, seen, release } = await audited(() => 201, { hold: true });
    const other = { ...failed, regarding: { ...failed.regarding, name: "web", uid: "u-2" } };
    audit.record(failed);
    audit.record(failed);
    audit.record(other);
    // Two writers: the first Event of each series is in flight; the repeat waits for its series' first.
    await waitUntil(() => seen.length === 2);
    expect(seen.map((s) => `${s.method} ${(s.body.regarding as { name: string }).name}`).sort()).toEqual(["POST db", "POST web"]);
    release();
    await waitUntil(() => seen.length === 3);
    expect(seen[2]?.method).toBe("PATCH");
    release();
    await expect(audit.flush(10_000)).resolves.toBe(true);
  });

  it("drops Events past the queue's capacity: counted, logged once, audit lines still written", async () => {
    const { audit, seen, lines, logs, metrics, release } = await audited(() => 201, { hold: true, capacity: 1 });
    const objects = ["a", "b", "c", "d", "e"].map((n) => ({ ...failed, regarding: { ...failed.regarding, name: n, uid: n } }));
    for (const e of objects) audit.record(e);
    // Two are being written, one waits, two do not fit.
    expect(lines).toHaveLength(5);
    expect(await dropped(metrics)).toBe(2);
    const warnings = logs.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.msg.startsWith("event queue full"));
    expect(warnings.map((w) => w.level)).toEqual(["warn", "debug"]);
    await waitUntil(() => seen.length === 2);
    release();
    await waitUntil(() => seen.length === 3);
    release();
    await expect(audit.flush(10_000)).resolves.toBe(true);
    expect(seen.map((s) => (s.body.regarding as { name: string }).name).sort()).toEqual(["a", "b", "c"]);
  });

  it("flush gives up at its deadline, saying how many Events were left", async () => {
    const { audit, seen, logs, release } = await audited(() => 201, { hold: true });
    audit.record(failed);
    await waitUntil(() => seen.length === 1);
    await expect(audit.flush(50)).resolves.toBe(false);
    expect(logs.map((l) => JSON.parse(l) as { msg: string; pending: number })).toContainEqual(
      expect.objectContaining({ msg: "Events not written before the deadline", pending: 1 }),
    );
    release();
    await expect(audit.flush(10_000)).resolves.toBe(true);
  });
});
