// Big SealRequests on the real control plane: an answer that would outgrow etcd's object limit is cut at
// MAX_ANSWER_BYTES and the rest of the objects come back marked `retry` (and the answer is stored). (That a big
// request does not hold up a Rotate is shown in test/unit/controller-requests.test.ts.)
import { describe, expect, it } from "vitest";
import { generateKey, publicKeyOf } from "../../src/index.js";
import type { SealedSecret } from "../../src/index.js";
import { MAX_ANSWER_BYTES, MAX_REQUEST_BYTES, MAX_REQUEST_OBJECTS } from "../../src/sealrequest.js";
import { publishedBundle, sealSecret, uniqueName } from "./helpers/kube.js";
import { ask, requestsFixture } from "./requests-support.js";

const f = requestsFixture("seal-limits");
const { controllerNs, appNs, values, answers } = f;

async function files(count: number, type: "x25519" | "mlkem768x25519", keys: Parameters<typeof sealSecret>[1]): Promise<SealedSecret[]> {
  const out: SealedSecret[] = [];
  for (let i = 0; i < count; i++) out.push(await sealSecret({ name: `file-${i}`, namespace: appNs, data: { a: values.next(), b: values.next() } }, keys, { type }));
  return out;
}

describe("big SealRequests", () => {
  it("cuts an answer at its size limit and marks the objects it left out for a retry", async () => {
    const bundle = await publishedBundle(f.k, controllerNs);
    // Small X25519 files re-sealed to 16 post-quantum recipients each: the answer is ~25 times the request.
    const objects = await files(MAX_REQUEST_OBJECTS, "x25519", bundle.keys);
    expect(JSON.stringify(objects).length).toBeLessThan(MAX_REQUEST_BYTES);
    const recipients = await Promise.all(Array.from({ length: 15 }, async () => publicKeyOf(await generateKey("mlkem768x25519")).recipient));
    const status = await ask(f.k, appNs, uniqueName("huge"), { action: "Reencrypt", objects, recipients });
    answers.push(JSON.stringify(status));

    expect(status.phase).toBe("Complete");
    const results = status.results ?? [];
    expect(results).toHaveLength(MAX_REQUEST_OBJECTS);
    const firstRetry = results.findIndex((r) => r.retry === true);
    expect(firstRetry).toBeGreaterThan(0);
    // Processed objects first, then only retries, each saying what to do.
    expect(results.slice(0, firstRetry).every((r) => r.ok && Object.keys(r.encryptedData ?? {}).length === 2)).toBe(true);
    for (const r of results.slice(firstRetry)) {
      expect(r).toMatchObject({ ok: false, retry: true, message: expect.stringContaining("send this object again") });
      expect(r.encryptedData).toBeUndefined();
    }
    expect(JSON.stringify(results).length).toBeLessThan(MAX_ANSWER_BYTES + MAX_REQUEST_OBJECTS * 300);
  });
});
