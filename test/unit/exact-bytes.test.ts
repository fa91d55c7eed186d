// Exact bytes end to end: random byte strings go in through every input path (--from-literal, --from-file,
// --from-env-file, data, stringData, YAML and JSON manifests) and come back out of seal -> unseal -> recover's
// output identical, or are refused with an InputError; never changed (no U+FFFD in a byte's place). In-process
// for many runs, then through the real CLI (seal, then recover) for a few.
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { secretsToSeal } from "../../src/cli/secret-sources.js";
import { generateKey, InputError, parseManifests, printManifests, publicKeyOf, seal, secretFromManifest, secretManifestOf, unseal, type PlainSecret, type PrivateKey } from "../../src/index.js";
import { BIN, keySet, workdir, type Workdir } from "./cli-fixtures.js";

let dir: Workdir;
let key: PrivateKey;
let counter = 0;
beforeAll(async () => {
  dir = workdir();
  key = await generateKey("x25519");
});
afterAll(() => dir.remove());

const fresh = (name: string, bytes: Uint8Array | string): string => dir.write(`${counter++}-${name}`, bytes);
const isUtf8 = (bytes: Uint8Array): boolean => {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

/** What recover prints for `secret` after sealing and unsealing it, read back as the Secret's bytes. */
async function roundTrip(secret: PlainSecret): Promise<Uint8Array | undefined> {
  const sealed = await seal(secret, [publicKeyOf(key)], { scope: "strict" });
  const { secret: opened } = await unseal(sealed, [key]);
  const printed = printManifests([secretManifestOf(opened)], "yaml");
  return secretFromManifest(parseManifests(printed, "recovered")[0], "recovered").data["k"];
}

/** The value of key k as it comes out, or "refused" when the input path said no with an InputError. */
async function through(files: string[], flags: Parameters<typeof secretsToSeal>[1]): Promise<Uint8Array | "refused"> {
  try {
    const [secret] = await secretsToSeal(files, { name: "db", namespace: "shop", ...flags }, "strict");
    if (secret === undefined) throw new Error("no Secret");
    return (await roundTrip(secret)) ?? new Uint8Array();
  } catch (error) {
    if (error instanceof InputError) return "refused";
    throw error;
  }
}

/** JSON and YAML string literals holding `bytes`: ASCII controls, quotes and backslashes escaped, other bytes raw. */
function quoted(bytes: Uint8Array, format: "json" | "yaml"): Buffer {
  const parts = [...bytes].map((b) =>
    b < 0x20 || b === 0x22 || b === 0x5c || b === 0x7f ? Buffer.from(format === "json" ? `\\u00${b.toString(16).padStart(2, "0")}` : `\\x${b.toString(16).padStart(2, "0")}`) : Buffer.from([b]),
  );
  return Buffer.concat([Buffer.from('"'), ...parts, Buffer.from('"')]);
}

function manifest(field: "data" | "stringData", value: Buffer, format: "json" | "yaml"): Buffer {
  const head = format === "json" ? `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"shop"},"${field}":{"k":` : `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\n${field}:\n  k: `;
  return Buffer.concat([Buffer.from(head), value, Buffer.from(format === "json" ? "}}" : "\n")]);
}

const bytesArb = fc.uint8Array({ maxLength: 64 });
/** Bytes that are mostly text, so the UTF-8 paths are exercised past the refusal too. */
const textishArb = fc.oneof(bytesArb, fc.string({ unit: "binary", maxLength: 32 }).map((s) => new Uint8Array(Buffer.from(s, "utf8"))));
const same = (a: Uint8Array | "refused", b: Uint8Array): boolean => a !== "refused" && Buffer.from(a).equals(Buffer.from(b));

describe("every input path keeps the exact bytes or refuses", () => {
  test("--from-file and data: always exact", async () => {
    await fc.assert(
      fc.asyncProperty(bytesArb, async (bytes) => {
        expect(same(await through([], { fromFile: [`k=${fresh("value", bytes)}`] }), bytes)).toBe(true);
        const encoded = Buffer.from(Buffer.from(bytes).toString("base64"));
        for (const format of ["json", "yaml"] as const) expect(same(await through([fresh(`data.${format}`, manifest("data", quoted(encoded, format), format))], {}), bytes)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  test("--from-literal: exact, or refused when the shell's bytes were not UTF-8 (Node puts U+FFFD in argv)", async () => {
    await fc.assert(
      fc.asyncProperty(textishArb.filter((b) => !b.includes(0)), async (bytes) => {
        const argv = Buffer.from(bytes).toString("utf8"); // what process.argv holds for these bytes
        const out = await through([], { fromLiteral: [`k=${argv}`] });
        const representable = isUtf8(bytes) && !argv.includes("\uFFFD");
        expect(representable ? same(out, bytes) : out === "refused").toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  test("--from-env-file: exact for a UTF-8 line, refused otherwise (as kubectl)", async () => {
    await fc.assert(
      fc.asyncProperty(textishArb.filter((b) => !b.includes(0x0a) && !b.includes(0x0d)), async (bytes) => {
        const out = await through([], { fromEnvFile: [fresh("env", Buffer.concat([Buffer.from("k="), bytes, Buffer.from("\n")]))] });
        expect(isUtf8(bytes) ? same(out, bytes) : out === "refused").toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  test("stringData in JSON and YAML manifests: exact or refused, and exact whenever the bytes are UTF-8 (JSON)", async () => {
    await fc.assert(
      fc.asyncProperty(textishArb, async (bytes) => {
        for (const format of ["json", "yaml"] as const) {
          const out = await through([fresh(`string.${format}`, manifest("stringData", quoted(bytes, format), format))], {});
          expect(out === "refused" || same(out, bytes)).toBe(true);
          if (!isUtf8(bytes)) expect(out).toBe("refused");
          if (format === "json" && isUtf8(bytes)) expect(same(out, bytes)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("through the real CLI: seal (flags and stdin), then recover", () => {
  test("every path's values come back identical", { timeout: 120_000 }, async () => {
    const keys = await keySet(dir);
    const cli = (args: string[], input = ""): { status: number | null; stdout: string; stderr: string } => {
      const r = spawnSync(BIN, args, { cwd: dir.dir, input, encoding: "utf8", timeout: 60_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const recovered = (sealed: string): Record<string, Buffer> => {
      const r = cli(["recover", "-", "-i", keys.identity, "-o", "json"], sealed);
      expect([r.status, r.stderr]).toEqual([0, ""]);
      const data = (JSON.parse(r.stdout) as { data: Record<string, string> }).data;
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64")]));
    };
    const utf8Text = fc.string({ unit: "binary", minLength: 1, maxLength: 24 }).filter((s) => !s.includes("\0") && !s.includes("\uFFFD") && !/[\r\n]/.test(s));
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), utf8Text, fc.uint8Array({ maxLength: 64 }), async (fileBytes, text, dataBytes) => {
        const textBytes = Buffer.from(text, "utf8");
        const flags = cli(["--keys", keys.bundle, "-n", "shop", "--name", "db", "--from-literal", `lit=${text}`, "--from-file", `file=${fresh("v", fileBytes)}`, "--from-env-file", fresh("env", `env=${text}\n`)]);
        expect([flags.status, flags.stderr]).toEqual([0, ""]);
        expect(recovered(flags.stdout)).toEqual({ lit: textBytes, file: Buffer.from(fileBytes), env: textBytes });
        const json = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "shop" }, data: { data: Buffer.from(dataBytes).toString("base64") }, stringData: { str: text } });
        const yaml = `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\ndata: {data: "${Buffer.from(dataBytes).toString("base64")}"}\nstringData: {str: ${JSON.stringify(text)}}\n`;
        for (const input of [json, yaml]) {
          const piped = cli(["--keys", keys.bundle], input);
          expect([piped.status, piped.stderr]).toEqual([0, ""]);
          expect(recovered(piped.stdout)).toEqual({ data: Buffer.from(dataBytes), str: textBytes });
        }
      }),
      { numRuns: 3 },
    );
  });
});
