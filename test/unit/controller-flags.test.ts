// Controller flags: defaults, SEAL_* environment variables, command line over environment, durations.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlagError, parseDuration, parseFlags } from "../../controller/flags.js";
import { parseAddr } from "../../controller/health.js";
import { defaultUnsealThreads } from "../../controller/unseal-pool.js";

describe("parseFlags", () => {
  it("has the documented defaults", () => {
    expect(parseFlags([], {})).toEqual({
      kubeconfig: undefined,
      namespace: "kubectl-seal",
      watchNamespaces: [],
      keyRotationPeriodMs: 30 * 86_400_000,
      leaderElect: true,
      leaseDurationMs: 15_000,
      metricsAddr: ":8080",
      logLevel: "info",
      workers: 8,
      unsealThreads: defaultUnsealThreads(),
    });
    expect(defaultUnsealThreads()).toBeGreaterThanOrEqual(1);
  });

  it("reads SEAL_ variables, and the command line wins over them", () => {
    const env = { SEAL_NAMESPACE: "from-env", SEAL_WATCH_NAMESPACE: "a, b", SEAL_LEADER_ELECT: "false", SEAL_LOG_LEVEL: "debug" };
    const flags = parseFlags(["--namespace", "from-flag", "--watch-namespace", "c", "--watch-namespace", "d"], env);
    expect(flags).toMatchObject({ namespace: "from-flag", watchNamespaces: ["c", "d"], leaderElect: false, logLevel: "debug" });
    expect(parseFlags([], env).watchNamespaces).toEqual(["a", "b"]);
  });

  it("refuses bad values with a FlagError naming the flag", () => {
    expect(() => parseFlags(["--workers", "two"], {})).toThrow(FlagError);
    expect(() => parseFlags(["--unseal-threads", "0"], {})).toThrow(/--unseal-threads: must be a whole number of at least 1/);
    expect(parseFlags([], { SEAL_UNSEAL_THREADS: "3" }).unsealThreads).toBe(3);
    expect(() => parseFlags(["--key-rotation-period", "30"], {})).toThrow(/--key-rotation-period: "30" is not a duration/);
    expect(() => parseFlags([], { SEAL_LOG_LEVEL: "trace" })).toThrow(/--log-level: "trace" is not a level/);
  });
});

describe("parseDuration", () => {
  it.each([
    ["30d", 30 * 86_400_000],
    ["720h", 720 * 3_600_000],
    ["90s", 90_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["1.5s", 1500],
    ["0", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text, "x")).toBe(ms);
  });

  it("sums any sequence of parts, and refuses anything else", () => {
    const units = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 1000 }), fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[]))), { minLength: 1, maxLength: 5 }), (parts) => {
        const text = parts.map(([n, u]) => `${n}${u}`).join("");
        expect(parseDuration(text, "x")).toBe(parts.reduce((sum, [n, u]) => sum + n * units[u], 0));
      }),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        const valid = text.trim() === "0" || /^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text.trim());
        if (valid) return;
        expect(() => parseDuration(text, "x")).toThrow(FlagError);
      }),
    );
  });
});

describe("parseAddr", () => {
  it.each([
    [":8080", { host: undefined, port: 8080 }],
    ["127.0.0.1:0", { host: "127.0.0.1", port: 0 }],
    ["9090", { host: undefined, port: 9090 }],
    ["[::1]:8080", { host: "::1", port: 8080 }],
  ])("%s", (addr, expected) => {
    expect(parseAddr(addr)).toEqual(expected);
  });

  it("refuses a port out of range", () => {
    expect(() => parseAddr(":70000")).toThrow(/invalid address ":70000"/);
  });
});
