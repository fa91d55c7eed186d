// The public kubectl-seal library. Offline path only: nothing here imports a Kubernetes client or Git.
export * from "./types.js";
export { SealError, InputError, UnsealError, BundleError, type UnsealReason } from "./errors.js";
