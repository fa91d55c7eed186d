// The CLI's shared pieces in-process: atomic writes, env files, durations, the terminal decision, the signer line.
import * as fs from "node:fs";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDurationDays } from "../../src/cli/duration.js";
import { signerLine, signerOfIdentityFile } from "../../src/cli/identity-signer.js";
import { errorMessage } from "../../src/cli/output.js";
import { checkMayPrintSecrets } from "../../src/cli/secret-output.js";
import { envFileEntries } from "../../src/cli/secret-flags.js";
import { writeFileAtomic, writeNewFile } from "../../src/cli/write-file.js";
import { generateSigner, InputError, SealError } from "../../src/index.js";
import { workdir, type Workdir } from "./cli-fixtures.js";

let dir: Workdir;
beforeEach(() => {
  dir = workdir();
});
afterEach(() => dir.remove());

describe("writeFileAtomic / writeNewFile", () => {
  it("replaces a file keeping its mode, or sets the mode given; leaves no temporary file", async () => {
    const file = dir.write("out.yaml", "old\n", 0o640);
    fs.chmodSync(file, 0o640);
    await writeFileAtomic(file, "new\n");
    expect(fs.readFileSync(file, "utf8")).toBe("new\n");
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    await writeFileAtomic(dir.path("secret.yaml"), "x", 0o600);
    expect(fs.statSync(dir.path("secret.yaml")).mode & 0o777).toBe(0o600);
    expect(dir.list()).toEqual(["out.yaml", "secret.yaml"]);
  });

  it("fails with an InputError naming the file and leaves nothing behind", async () => {
    await expect(writeFileAtomic(dir.path("missing/out.yaml"), "x")).rejects.toThrow(new InputError(`cannot write ${dir.path("missing/out.yaml")} (ENOENT)`, "check that its directory exists and is writable"));
    // Renaming over a directory fails after the temporary file was written: it is removed.
    fs.mkdirSync(dir.path("taken"));
    fs.writeFileSync(dir.path("taken/inside"), "");
    await expect(writeFileAtomic(dir.path("taken"), "x")).rejects.toBeInstanceOf(InputError);
    expect(dir.list()).toEqual(["taken"]);
  });

  it("writeNewFile never replaces an existing file", async () => {
    const file = dir.write("identity.txt", "precious\n");
    await expect(writeNewFile(file, "new")).rejects.toThrow(`${file} already exists: refusing to overwrite it`);
    expect(fs.readFileSync(file, "utf8")).toBe("precious\n");
    await writeNewFile(dir.path("fresh.txt"), "x");
    expect(fs.statSync(dir.path("fresh.txt")).mode & 0o777).toBe(0o600);
    expect(dir.list()).toEqual(["fresh.txt", "identity.txt"]);
  });
});

describe("env files", () => {
  it("read as kubectl does: comments and blank lines skipped, key trimmed, value as is", () => {
    expect(envFileEntries("# c\n\nA=1\n  B = two words \nC=x=y\r\nD=\n", "f.env")).toEqual([["A", "1"], ["B", " two words "], ["C", "x=y"], ["D", ""]]);
  });

  it("refuse a line without a key, naming only the line number", () => {
    expect(() => envFileEntries("A=1\nsecret-value\n", "f.env")).toThrow("env file f.env: line 2 is not KEY=VALUE: write one KEY=VALUE per line (# starts a comment)");
    expect(() => envFileEntries("=secret-value\n", "f.env")).toThrow(/line 1 is not KEY=VALUE/);
  });

  it("round-trip any value without a line break (fast-check)", () => {
    fc.assert(
      fc.property(fc.string().filter((v) => !/[\r\n]/.test(v)), (value) => {
        expect(envFileEntries(`KEY=${value}\n`, "f.env")).toEqual([["KEY", value]]);
      }),
    );
  });
});

it("durations: h, d, w, y; anything else refused", () => {
  expect([parseDurationDays("48h", "--x"), parseDurationDays("90d", "--x"), parseDurationDays("2w", "--x"), parseDurationDays("1y", "--x")]).toEqual([2, 90, 14, 365]);
  for (const bad of ["", "0d", "1.5d", "10", "d", "-1d", "1m"]) expect(() => parseDurationDays(bad, "--x")).toThrow(InputError);
});

it("values go to a terminal only when asked; to a file or a pipe always", () => {
  const refused = "refusing to print Secret values to a terminal: write them to a file with -w FILE, pipe the output, or pass --yes-print-secrets";
  expect(() => checkMayPrintSecrets({ toFile: false, stdoutIsTerminal: true, allowed: false })).toThrow(refused);
  for (const target of [
    { toFile: true, stdoutIsTerminal: true, allowed: false },
    { toFile: false, stdoutIsTerminal: false, allowed: false },
    { toFile: false, stdoutIsTerminal: true, allowed: true },
  ]) {
    expect(() => checkMayPrintSecrets(target)).not.toThrow();
  }
});

describe("the signer line of identity files", () => {
  it("round-trips and is absent from age-keygen files", () => {
    const signer = generateSigner();
    const text = `${signerLine(signer)}\n# created: 2026-01-01T00:00:00Z\nAGE-SECRET-KEY-1XYZ\n`;
    expect(signerOfIdentityFile(text, "id.txt")).toEqual(signer);
    expect(signerOfIdentityFile("# created: 2026-01-01T00:00:00Z\nAGE-SECRET-KEY-1XYZ\n", "id.txt")).toBeUndefined();
  });

  it("refuses an edited line without quoting it", () => {
    const signer = generateSigner();
    const other = generateSigner();
    // Seed of one signer, public half of another.
    const mixed = new Uint8Array([...signer.secretKey.subarray(0, 32), ...other.secretKey.subarray(32)]);
    const line = signerLine({ publicKey: signer.publicKey, secretKey: mixed });
    for (const text of [line, "# signer: not-base64\n"]) {
      let message = "";
      try {
        signerOfIdentityFile(text, "id.txt");
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toBe("id.txt: line 1 holds a damaged bundle signer: restore the file from its backup");
    }
  });
});

it("error lines fold line breaks and carry the hint", () => {
  expect(errorMessage(new SealError("a\n  b", "do c"))).toBe("kubectl-seal: error: a b: do c");
});
