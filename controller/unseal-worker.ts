// A thread of the unseal pool (unseal-pool.ts): opens one age value at a time with the keys it is sent, off the
// controller's event loop. It only runs openValue (src/age/open-value.ts, which loads no more than it needs: each
// thread costs memory in the Deployment's 256 MiB); every check of what the value means (binding
// line, scope, limits) stays on the main thread. Plaintext goes back in a transferred buffer, never to a log.
import { parentPort } from "node:worker_threads";
import { openValue } from "../src/age/open-value.js";
import type { PrivateKey } from "../src/types.js";

/** main thread -> worker */
export interface OpenTask {
  id: number;
  file: Uint8Array;
  keys: PrivateKey[];
}

/** worker -> main thread: opened, no key matched, or the bytes failed (a message about the format, no value). */
export type OpenReply =
  | { id: number; plaintext: Uint8Array; keyId: string }
  | { id: number; noMatch: true }
  | { id: number; error: string };

const port = parentPort;
if (port !== null) {
  port.on("message", (task: OpenTask) => {
    void reply(task).then(
      ([message, transfer]) => port.postMessage(message, transfer),
      () => port.postMessage({ id: task.id, error: "the value could not be opened" } satisfies OpenReply),
    );
  });
}

async function reply(task: OpenTask): Promise<[OpenReply, ArrayBuffer[]]> {
  try {
    const opened = await openValue(task.file, task.keys);
    if (opened === undefined) return [{ id: task.id, noMatch: true }, []];
    // A copy of its own: the plaintext may be a view into a larger (pooled) buffer that must not be transferred.
    const plaintext = opened.plaintext.slice();
    return [{ id: task.id, plaintext, keyId: opened.keyId }, [plaintext.buffer]];
  } catch (err) {
    return [{ id: task.id, error: err instanceof Error ? err.message : "the value could not be opened" }, []];
  }
}
