// The fast path of `kubectl seal` (src/cli/seal-fast.ts) against oclif's own parser with the command's real flag
// and argument definitions: on random command lines, whatever the fast path accepts oclif parses to the same files
// and flags, and whatever oclif refuses the fast path declines (so oclif still gives its message and usage help).
import { spawn } from "node:child_process";
import { Parser } from "@oclif/core";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import Seal from "../../commands/seal.js";
import { parsePlain } from "../../src/cli/seal-fast.js";
import { BIN, keySet, workdir } from "./cli-fixtures.js";

type Outcome = { files: string[]; flags: Record<string, unknown> } | "refused";

/** Flags without the ones not given (oclif may report a boolean left off as false or leave it out). */
function given(flags: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined && value !== false));
}

async function oclif(argv: string[]): Promise<Outcome> {
  try {
    const { args, flags } = await Parser.parse(argv, { flags: Seal.flags, args: Seal.args, strict: true });
    return { files: (args.file as string[] | undefined) ?? [], flags: given(flags) };
  } catch {
    return "refused";
  }
}

const flagTokens = Object.entries(Seal.flags).flatMap(([name, flag]) => [`--${name}`, ...(flag.char === undefined ? [] : [`-${flag.char}`])]);
const valueTokens = ["bundle.yaml", "shop", "json", "yaml", "xml", "namespace", "k=v", "a=b=c", "", "-", "-x", "--raw", "secret.yaml", "dir/"];
const otherTokens = ["-", "--", "--help", "-h", "--version", "--nope", "-z", "-nshop", "--no-raw", "--keys=bundle.yaml", "--output=json", "--raw=true", "--scope=", "-n=shop"];
const token = fc.oneof(fc.constantFrom(...flagTokens), fc.constantFrom(...valueTokens), fc.constantFrom(...otherTokens), fc.stringMatching(/^[a-z./=-]{0,8}$/));

describe("the fast path's parser", () => {
  test("agrees with oclif's parser wherever it accepts a command line, and declines what oclif refuses", async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 8 }), async (argv) => {
        const fast = parsePlain(argv);
        const theirs = await oclif(argv);
        if (fast === undefined) return;
        accepted++;
        expect(theirs).not.toBe("refused");
        expect({ files: fast.files, flags: given({ ...fast.flags }) }).toEqual(theirs);
      }),
      { numRuns: 600 },
    );
    expect(accepted).toBeGreaterThan(50); // the property says something only if the fast path takes many lines
  });

  test.each([
    [["--keys", "b.yaml", "s.yaml"], { files: ["s.yaml"], flags: { keys: ["b.yaml"], scope: "strict", "controller-namespace": "kubectl-seal" } }],
    [["s.yaml", "--keys=b.yaml", "--keys", "c.yaml", "-n", "shop", "-o", "json", "--recipient", "age1x", "-"], { files: ["s.yaml", "-"], flags: { keys: ["b.yaml", "c.yaml"], namespace: "shop", output: "json", recipient: ["age1x"], scope: "strict", "controller-namespace": "kubectl-seal" } }],
    [["--from-literal", "a=b", "--raw", "--name", "db", "--scope", "cluster"], { files: [], flags: { "from-literal": ["a=b"], raw: true, name: "db", scope: "cluster", "controller-namespace": "kubectl-seal" } }],
  ])("takes the everyday command line %j", async (argv, want) => {
    expect(parsePlain(argv)).toEqual(want);
    expect(await oclif(argv)).toEqual({ files: want.files, flags: want.flags });
  });

  test.each([
    [["--help"]],
    [["-h"]],
    [["--keys"]],
    [["--keys", "--raw"]],
    [["--keys", "b.yaml", "--cluster", "prod"]],
    [["--output", "xml"]],
    [["--raw", "--output", "json"]],
    [["--message", "m"]],
    [["--name", "a", "--name", "b"]],
    [["--raw", "--raw"]],
    [["--", "s.yaml"]],
    [["-nshop"]],
    [["--unknown"]],
  ])("leaves %j to oclif", (argv) => {
    expect(parsePlain(argv)).toBeUndefined();
  });
});

describe("the fast path as a process", () => {
  const dir = workdir();
  afterAll(() => dir.remove());

  /** Runs kubectl-seal with its stdout closed at once, as `| head` does early: exit status and stderr. */
  function withClosedStdout(args: string[]): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(BIN, args, { cwd: dir.dir, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy();
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("error", reject);
      child.once("close", (status) => resolve({ status, stderr }));
    });
  }

  // (Through oclif the same run ends with exit 13 and "unsettled top-level await": its flush waits for a stdout
  // that never drains.)
  test("a closed stdout (EPIPE) is not an error: exit 0, nothing on stderr", async () => {
    const { bundle } = await keySet(dir);
    const data = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key-${i}`, Buffer.alloc(3000, i).toString("base64")]));
    dir.write("secret.yaml", JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "shop" }, data }));
    expect(await withClosedStdout(["--keys", bundle, "secret.yaml"])).toEqual({ status: 0, stderr: "" });
  });
});
