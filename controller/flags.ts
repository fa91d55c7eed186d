// Controller flags. Every flag can also come from an environment variable SEAL_<FLAG_IN_CAPS> (e.g.
// SEAL_WATCH_NAMESPACE=a,b); a flag on the command line wins over the environment.
import { parseArgs } from "node:util";
import { LEVELS } from "./log.js";
import { defaultUnsealThreads } from "./unseal-pool.js";
import type { Level } from "./log.js";

export interface ControllerFlags {
  kubeconfig: string | undefined;
  namespace: string;
  watchNamespaces: string[];
  keyRotationPeriodMs: number;
  leaderElect: boolean;
  leaseDurationMs: number;
  metricsAddr: string;
  logLevel: Level;
  workers: number;
  /** Worker threads that open sealed values, off the event loop (unseal-pool.ts). */
  unsealThreads: number;
  /** Namespace of Bitnami Sealed Secrets' keys, read for Migrate SealRequests (opt-in); undefined: not read. */
  bitnamiKeysNamespace: string | undefined;
}

const ENV_PREFIX = "SEAL_";

// A worker spends most of a sync waiting for the API server (create the Secret, patch the status); unsealing is
// well under a millisecond of CPU, so workers are cheap and more of them keep the API server busy. Measured cold
// start of 2,000 SealedSecrets against a plain client at the same concurrency: 2.6x the floor with 8 workers,
// 4.2x with 2 (BENCHMARKS.md, row 2). client-go controllers commonly run 5-10.
export const DEFAULT_WORKERS = 8;

export const USAGE = `Usage: kubectl-seal-controller [flags]   (each flag also from env SEAL_<FLAG>, e.g. SEAL_LOG_LEVEL)
  --kubeconfig PATH            kubeconfig to use (default: in-cluster when KUBERNETES_SERVICE_HOST is set, else ~/.kube/config)
  --namespace NS               namespace holding the controller's keys, lease and bundle (default kubectl-seal)
  --watch-namespace NS         namespace to reconcile SealedSecrets in; repeatable or comma-separated (default all)
  --key-rotation-period DUR    rotate sealing keys this often, e.g. 30d, 720h, 90s (default 30d; 0 disables)
  --leader-elect BOOL          elect a leader among replicas with a Lease (default true)
  --lease-duration DUR         how long a leader's lease lasts without renewal (default 15s)
  --metrics-addr ADDR          /healthz, /readyz and /metrics listen address (default :8080; :0 picks a free port)
  --log-level LEVEL            ${LEVELS.join(", ")} (default info)
  --workers N                  SealedSecrets reconciled in parallel (default ${DEFAULT_WORKERS})
  --unseal-threads N           threads that open sealed values, namespaces in turn (default: CPUs - 1, from 1 to 2)
  --bitnami-keys-namespace NS  read Bitnami Sealed Secrets' keys there to answer Migrate requests (default: off)`;

/** Thrown for a bad flag value; main prints its message and the usage, and exits 2. */
export class FlagError extends Error {
  override name = "FlagError";
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Go-style durations plus days: "30d", "720h", "1h30m", "90s", "500ms", or "0". */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed) {
    throw new FlagError(`--${flag}: "${text}" is not a duration: use forms like 30d, 720h, 1h30m, 90s or 500ms`);
  }
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * (UNITS[p[2] ?? "ms"] ?? 1), 0));
}

function parseBool(text: string, flag: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new FlagError(`--${flag}: "${text}" is not a boolean: use true or false`);
}

export function parseFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): ControllerFlags {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        kubeconfig: { type: "string" },
        namespace: { type: "string" },
        "watch-namespace": { type: "string", multiple: true },
        "key-rotation-period": { type: "string" },
        "leader-elect": { type: "string" },
        "lease-duration": { type: "string" },
        "metrics-addr": { type: "string" },
        "log-level": { type: "string" },
        workers: { type: "string" },
        "unseal-threads": { type: "string" },
        "bitnami-keys-namespace": { type: "string" },
      },
    }));
  } catch (err) {
    throw new FlagError(err instanceof Error ? err.message : String(err));
  }
  const get = (flag: string): string | undefined => {
    const v = values[flag];
    if (typeof v === "string") return v;
    if (Array.isArray(v)) return v.join(",");
    return env[ENV_PREFIX + flag.toUpperCase().replaceAll("-", "_")];
  };
  const logLevel = get("log-level") ?? "info";
  if (!(LEVELS as string[]).includes(logLevel)) {
    throw new FlagError(`--log-level: "${logLevel}" is not a level: use one of ${LEVELS.join(", ")}`);
  }
  const workers = Number(get("workers") ?? String(DEFAULT_WORKERS));
  if (!Number.isInteger(workers) || workers < 1) throw new FlagError(`--workers: must be a whole number of at least 1`);
  const unsealThreads = Number(get("unseal-threads") ?? String(defaultUnsealThreads()));
  if (!Number.isInteger(unsealThreads) || unsealThreads < 1) throw new FlagError(`--unseal-threads: must be a whole number of at least 1`);
  const watch = (get("watch-namespace") ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  return {
    kubeconfig: get("kubeconfig"),
    namespace: get("namespace") ?? "kubectl-seal",
    watchNamespaces: watch,
    keyRotationPeriodMs: parseDuration(get("key-rotation-period") ?? "30d", "key-rotation-period"),
    leaderElect: parseBool(get("leader-elect") ?? "true", "leader-elect"),
    leaseDurationMs: parseDuration(get("lease-duration") ?? "15s", "lease-duration"),
    metricsAddr: get("metrics-addr") ?? ":8080",
    logLevel: logLevel as Level,
    workers,
    unsealThreads,
    bitnamiKeysNamespace: get("bitnami-keys-namespace") || undefined,
  };
}
