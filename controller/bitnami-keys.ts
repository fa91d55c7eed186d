// Bitnami Sealed Secrets' private keys, read for Migrate SealRequests only when the controller is started with
// --bitnami-keys-namespace (opt-in; manifests/bitnami-migration/ grants the read). They are listed afresh for each
// request, held in memory for that request only, never cached, published, logged or written anywhere.
import { CoreV1Api } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { parseBitnamiKey, type BitnamiKey } from "../src/bitnami/crypto.js";
import { BITNAMI_KEY_LABEL } from "../src/bitnami/sealed-secret.js";
import { SealError } from "../src/errors.js";
import { describeApiError, statusOf } from "./audit.js";
import type { Logger } from "./log.js";

export class BitnamiKeySource {
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Every parseable Bitnami key in the namespace; a SealError saying what to do when none can be read. */
  async load(): Promise<BitnamiKey[]> {
    let items;
    try {
      ({ items } = await this.core.listNamespacedSecret({ namespace: this.namespace, labelSelector: BITNAMI_KEY_LABEL }));
    } catch (err) {
      const hint =
        statusOf(err) === 403
          ? `grant the controller read access with the overlay manifests/bitnami-migration/ (kubectl apply -k manifests/bitnami-migration/)`
          : "check that the API server is reachable, then send the request again";
      throw new SealError(`cannot list Bitnami's keys in namespace ${this.namespace} (${describeApiError(err)})`, hint);
    }
    const keys: BitnamiKey[] = [];
    for (const secret of items) {
      const name = `${this.namespace}/${secret.metadata?.name ?? ""}`;
      const pem = secret.data?.["tls.key"];
      try {
        if (pem === undefined) throw new Error("no tls.key");
        keys.push(parseBitnamiKey(name, Buffer.from(pem, "base64")));
      } catch {
        this.log.warn("skipping a Bitnami key Secret that holds no RSA private key in tls.key", { secret: name });
      }
    }
    if (keys.length === 0) {
      throw new SealError(
        `no Bitnami sealing key found in namespace ${this.namespace} (Secrets labelled ${BITNAMI_KEY_LABEL})`,
        "start the controller with --bitnami-keys-namespace set to the namespace of Bitnami's controller",
      );
    }
    return keys;
  }
}
