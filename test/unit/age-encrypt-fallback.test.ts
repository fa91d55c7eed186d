// seal() on a Node without native encryption (before 24.7 there is no ML-KEM in node:crypto): the native
// recipients are unavailable here, so typage's Encrypter seals, and the values still unseal with each key type.
import { describe, expect, test, vi } from "vitest";
import { publicKeyOf, seal, unseal } from "../../src/index.js";
import { nativeRecipients } from "../../src/age/recipients.js";
import { demoSecret, keyPair, text } from "./core-fixtures.js";

vi.mock("../../src/age/recipients.js", () => ({ nativeRecipients: vi.fn(() => undefined) }));

describe("sealing without native encryption", () => {
  test.each(["x25519", "mlkem768x25519"] as const)("typage's Encrypter seals to %s keys, and the values unseal", async (type) => {
    const keys = await keyPair();
    const key = type === "x25519" ? keys.x : keys.pq;
    const secret = demoSecret();
    const sealed = await seal(secret, [publicKeyOf(key)], { scope: "strict" });
    expect(nativeRecipients).toHaveBeenCalledWith([key.recipient]); // asked, and answered "not here"
    const stanza = Buffer.from(sealed.spec.encryptedData["password"] ?? "", "base64").toString("latin1").split("\n")[1];
    expect(stanza?.startsWith(type === "x25519" ? "-> X25519 " : "-> mlkem768x25519 ")).toBe(true);
    const { secret: opened } = await unseal(sealed, [key]);
    expect(text(opened.data["password"])).toBe(text(secret.data["password"]));
    expect(text(opened.data["token"])).toBe(text(secret.data["token"]));
  });
});
