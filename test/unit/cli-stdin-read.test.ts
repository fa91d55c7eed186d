// readStdinBounded (src/cli/bounded-read.ts) reads stdin with blocking reads and falls back to process.stdin when
// fd 0 is non-blocking and empty for now (EAGAIN): what was read already is kept, the rest comes from the stream,
// and the bound applies to the whole. readSync is replaced here to produce that, which a real stdin cannot show on
// demand (the process tests in cli-seal.test.ts and cli-hostile-input.test.ts cover pipes, files and devices).
import { Readable } from "node:stream";
import { beforeEach, describe, expect, test, vi } from "vitest";

const fsMock = vi.hoisted(() => ({ readSync: vi.fn() }));
vi.mock("node:fs", async (original) => ({ ...(await original<typeof import("node:fs")>()), readSync: fsMock.readSync }));

/** readSync giving `parts` one per call (fd 0 only), then EAGAIN. */
function readsThenEagain(parts: string[]): void {
  let call = 0;
  fsMock.readSync.mockImplementation((fd: number, buffer: Buffer) => {
    expect(fd).toBe(0);
    const part = parts[call++];
    if (part === undefined) throw Object.assign(new Error("EAGAIN"), { code: "EAGAIN" });
    return buffer.write(part);
  });
}

function stdinStream(parts: string[]): Readable {
  const stream = Readable.from(parts.map((part) => Buffer.from(part)));
  vi.spyOn(process, "stdin", "get").mockReturnValue(stream as unknown as typeof process.stdin);
  return stream;
}

describe("readStdinBounded", () => {
  beforeEach(() => {
    vi.restoreAllMocks();
    fsMock.readSync.mockReset();
  });

  test("reads to the end with blocking reads", async () => {
    const parts = ["kind: ", "Secret\n"];
    let call = 0;
    fsMock.readSync.mockImplementation((_fd: number, buffer: Buffer) => buffer.write(parts[call++] ?? ""));
    const { readStdinBounded, MANIFEST_BOUND } = await import("../../src/cli/bounded-read.js");
    expect(Buffer.from(await readStdinBounded(MANIFEST_BOUND)).toString()).toBe("kind: Secret\n");
  });

  test("on EAGAIN keeps what was read and takes the rest from process.stdin, in order", async () => {
    readsThenEagain(["kind: "]);
    stdinStream(["Sec", "ret\n"]);
    const { readStdinBounded, MANIFEST_BOUND } = await import("../../src/cli/bounded-read.js");
    expect(Buffer.from(await readStdinBounded(MANIFEST_BOUND)).toString()).toBe("kind: Secret\n");
  });

  test("the bound counts both parts, and the stream is destroyed once it is passed", async () => {
    readsThenEagain(["12345"]);
    const stream = stdinStream(["678", "9"]);
    const { readStdinBounded } = await import("../../src/cli/bounded-read.js");
    await expect(readStdinBounded({ bytes: 7, name: "a 7-byte limit", hint: "make it smaller" })).rejects.toThrow("stdin is larger than a 7-byte limit (7 bytes)");
    expect(stream.destroyed).toBe(true);
  });
});
