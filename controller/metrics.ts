// Prometheus metrics of the controller, on one registry that health.ts serves at /metrics.
// Label values are outcomes and reasons only: never object names with values, never key material.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** How an unseal attempt ended; the label of seal_unseal_total. */
export type UnsealOutcome =
  | "success"
  | "tampered"
  | "wrong-scope"
  | "unknown-key"
  | "malformed"
  | "conflict"
  | "error";

export interface Metrics {
  readonly registry: Registry;
  /** Unseal attempts by outcome. */
  readonly unsealTotal: Counter<"outcome">;
  /** Seconds spent decrypting one SealedSecret. */
  readonly unsealDuration: Histogram;
  /** Sealing keys the controller holds (set by the key manager). */
  readonly keys: Gauge;
  /** Unix time in seconds of the last key rotation (set by the key manager). */
  readonly lastRotation: Gauge;
  /** Keys waiting in the reconcile queue. */
  readonly queueDepth: Gauge;
  /** Events not written: the queue was full, or the API server failed them until the retry deadline (their audit lines were written). */
  readonly eventsDropped: Counter;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "seal_controller_" });
  const registers = [registry];
  return {
    registry,
    unsealTotal: new Counter({
      name: "seal_unseal_total",
      help: "SealedSecret unseal attempts by outcome.",
      labelNames: ["outcome"],
      registers,
    }),
    unsealDuration: new Histogram({
      name: "seal_unseal_duration_seconds",
      help: "Time to decrypt one SealedSecret.",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    keys: new Gauge({ name: "seal_keys", help: "Sealing keys held by the controller.", registers }),
    lastRotation: new Gauge({
      name: "seal_last_rotation_timestamp_seconds",
      help: "Unix time of the last sealing key rotation.",
      registers,
    }),
    queueDepth: new Gauge({ name: "seal_reconcile_queue_depth", help: "Keys waiting in the reconcile queue.", registers }),
    eventsDropped: new Counter({
      name: "seal_events_dropped_total",
      help: "Kubernetes Events dropped (refused, or still failing after retries); their audit lines were written.",
      registers,
    }),
  };
}
