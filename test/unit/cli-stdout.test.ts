// src/cli/stdout.ts writes output with blocking writes to fd 1 and falls back to process.stdout when fd 1 is
// non-blocking and full (EAGAIN): the bytes left over, then every later write, go through the stream in order.
// writeSync is replaced here to produce those conditions, which a test cannot make a real stdout show on demand.
import { beforeEach, describe, expect, test, vi } from "vitest";

const fsMock = vi.hoisted(() => ({ writeSync: vi.fn() }));
vi.mock("node:fs", async (original) => ({ ...(await original<typeof import("node:fs")>()), writeSync: fsMock.writeSync }));

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

describe("writeStdout", () => {
  beforeEach(() => {
    vi.resetModules();
    fsMock.writeSync.mockReset();
    vi.restoreAllMocks();
  });

  test("writes everything to fd 1, across partial writes, without making process.stdout", async () => {
    const written: string[] = [];
    fsMock.writeSync.mockImplementation((fd: number, bytes: Buffer, at: number) => {
      const n = Math.min(3, bytes.length - at);
      written.push(`${fd}:${bytes.subarray(at, at + n).toString()}`);
      return n;
    });
    const stream = vi.spyOn(process.stdout, "write");
    const { writeStdout } = await import("../../src/cli/stdout.js");
    expect(await writeStdout("kind: Secret\n")).toBe(true);
    expect(written.join("|")).toBe("1:kin|1:d: |1:Sec|1:ret|1:\n");
    expect(stream).not.toHaveBeenCalled();
  });

  test("a closed reader (EPIPE) is reported as false, not thrown", async () => {
    fsMock.writeSync.mockImplementation(() => {
      throw errno("EPIPE");
    });
    const { writeStdout } = await import("../../src/cli/stdout.js");
    expect(await writeStdout("a")).toBe(false);
  });

  test("a full non-blocking stdout (EAGAIN) hands the rest, and every later write, to process.stdout in order", async () => {
    let calls = 0;
    fsMock.writeSync.mockImplementation((_fd: number, bytes: Buffer, at: number) => {
      if (calls++ > 0) throw errno("EAGAIN");
      return Math.min(4, bytes.length - at);
    });
    const streamed: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation(((chunk: Uint8Array, callback: (error?: Error | null) => void) => {
      streamed.push(Buffer.from(chunk).toString());
      callback();
      return true;
    }) as typeof process.stdout.write);
    const { writeStdout } = await import("../../src/cli/stdout.js");
    expect(await writeStdout("first document\n")).toBe(true);
    expect(await writeStdout("---\nsecond\n")).toBe(true);
    expect(streamed).toEqual(["t document\n", "---\nsecond\n"]);
    expect(calls).toBe(2);
  });

  test("another write error is thrown", async () => {
    fsMock.writeSync.mockImplementation(() => {
      throw errno("EIO");
    });
    const { writeStdout } = await import("../../src/cli/stdout.js");
    await expect(writeStdout("a")).rejects.toThrow("EIO");
  });
});
