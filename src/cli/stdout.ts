// Writing a command's output to stdout without making `process.stdout` when it can: that stream is built on
// first use, and for a pipe or a terminal it loads Node's net and stream machinery (a file gets a
// SyncWriteStream), a cost every offline seal paid at start-up for one write. Node's stdout writes to pipes and
// files synchronously on POSIX anyway, so a blocking write of the same bytes behaves the same.
import { writeSync } from "node:fs";

/** Set once a write went through the stream: later ones must queue behind it, not overtake it. */
let viaStream = false;

/** Writes `text` to stdout; false once the reader has gone (EPIPE), which is not an error: it took what it wanted. */
export async function writeStdout(text: string): Promise<boolean> {
  const bytes = Buffer.from(text, "utf8");
  if (viaStream) return streamWrite(bytes);
  let at = 0;
  try {
    while (at < bytes.length) at += writeSync(1, bytes, at);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EPIPE") return false;
    // A stdout another process made non-blocking (EAGAIN), or a platform where fd 1 cannot be written so
    // (Windows consoles): the rest goes through Node's own stream, which knows how to wait for it.
    if (code !== "EAGAIN" && process.platform !== "win32") throw error;
  }
  return streamWrite(bytes.subarray(at));
}

function streamWrite(bytes: Uint8Array): Promise<boolean> {
  if (!viaStream) {
    viaStream = true;
    // As oclif's Command module does: stdout closed early (`kubectl seal ... | head`) is not an error.
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (error) => {
      if (error === undefined || error === null) resolve(true);
      else if ((error as NodeJS.ErrnoException).code === "EPIPE") resolve(false);
      else reject(error);
    });
  });
}
