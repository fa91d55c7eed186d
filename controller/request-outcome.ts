// The one type the SealRequest dispatcher (requests.ts) and its handlers (request-keys.ts, request-files.ts) share,
// so the handlers depend on it rather than on the dispatcher that imports them.
import type { SealRequestStatus } from "../src/sealrequest.js";

/** What a handler decided; requests.ts adds completionTime and writes it as the status. */
export type Outcome = Omit<SealRequestStatus, "completionTime"> & { phase: "Complete" | "Failed"; message: string };
