// readFileOrPipeBounded: a FIFO or pipe given as a file (kubectl takes `--from-file key=<(command)`) is read with the
// same bound as a regular file, stops reading once past it, and gives up with one InputError when nothing arrives
// for the idle time (a FIFO nobody writes to); devices stay refused before a byte is read.
import { spawn, execFileSync } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileOrPipeBounded, VALUE_BOUND, type ReadBound } from "../../src/cli/bounded-read.js";
import { InputError } from "../../src/errors.js";
import { workdir, type Workdir } from "./cli-fixtures.js";

let dir: Workdir;
const small: ReadBound = { bytes: 1000, name: "the test limit", hint: "send less" };

beforeAll(() => {
  dir = workdir();
});
afterAll(() => dir.remove());

function fifo(name: string): string {
  execFileSync("mkfifo", [dir.path(name)]);
  return dir.path(name);
}

describe("readFileOrPipeBounded", () => {
  it("reads a FIFO's bytes exactly once its writer closes it", async () => {
    const file = fifo("written");
    const bytes = Buffer.from([0x00, 0xff, 0x0a, 0x80, 0x41]);
    const reading = readFileOrPipeBounded(file, "file", small, 30_000);
    const writer = await fs.promises.open(file, "w"); // opens once the reader has
    await writer.write(bytes);
    await writer.close();
    expect(Buffer.from(await reading)).toEqual(bytes);
  });

  it("refuses a FIFO nobody writes to after the idle time, naming it", async () => {
    const file = fifo("silent");
    const error = await readFileOrPipeBounded(file, "env file", small, 200).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`env file ${file} is a FIFO (named pipe) and nothing was written to it for 0.2 s: start the command that writes it (as <(command) does), or copy the data to a regular file first`);
  });

  it("stops reading an endless writer at the bound (the writer then dies of SIGPIPE)", async () => {
    const file = fifo("endless");
    const reading = readFileOrPipeBounded(file, "file", small, 30_000).catch((e: unknown) => e);
    const writer = spawn("sh", ["-c", 'exec cat /dev/zero > "$0"', file], { stdio: "ignore" });
    const error = await reading;
    expect((error as InputError).message).toBe(`file ${file} is larger than the test limit (1000 bytes): send less`);
    const [code, signal] = (await once(writer, "exit")) as [number | null, NodeJS.Signals | null];
    expect(signal ?? code).not.toBe(0); // killed by the closed pipe, not run to an end
  });

  it("still refuses devices before reading, and reads a regular file", async () => {
    await expect(readFileOrPipeBounded("/dev/zero", "file", VALUE_BOUND)).rejects.toThrow("file /dev/zero is a character device, not a regular file");
    await expect(readFileOrPipeBounded("/dev/urandom", "file", VALUE_BOUND)).rejects.toThrow("is a character device");
    dir.write("plain.bin", Buffer.from("abc"));
    expect(Buffer.from(await readFileOrPipeBounded(dir.path("plain.bin"), "file", small)).toString()).toBe("abc");
  });

  it("reads a regular file to its end even when its size says 0 (as /proc files do)", async () => {
    const text = Buffer.from(await readFileOrPipeBounded("/proc/self/status", "file", VALUE_BOUND)).toString();
    expect(text).toMatch(/^Name:/);
    expect(text).toMatch(/\nPid:\s+\d+\n/);
    expect(text.endsWith("\n")).toBe(true);
  });
});
