// The public kubectl-seal library. Offline path only: nothing here imports a Kubernetes client or Git.
export * from "./types.js";
export { SealError, InputError, UnsealError, BundleError, OpenerUnavailableError, type UnsealReason } from "./errors.js";
export { parseManifests, parseManifestEntries, printManifests, type ManifestFormat } from "./manifest.js";
export { secretFromManifest, secretManifestOf, MAX_SECRET_BYTES } from "./secret.js";
export { sealedSecretFromManifest } from "./sealed-manifest.js";
export { parseScope, requireScopeTarget, bindingLine } from "./scope.js";
export {
  generateKey,
  keyIdOf,
  keyTypeOf,
  privateKeyOf,
  publicKeyOf,
  formatIdentityFile,
  parseIdentityFile,
  rfc3339,
} from "./keys.js";
export { seal, sealingRecipients, type SealOptions } from "./seal.js";
export { mergeSealed } from "./merge.js";
export { unseal, openValue, type OpenedValue, type UnsealOptions, type ValueOpener } from "./unseal.js";
export { verifyBundle, fingerprintOf, bundleSigningBytes } from "./bundle.js";
export { generateSigner, signBundle, type Signer } from "./bundle-sign.js";
export { isDataKey, isNamespace, isObjectName } from "./names.js";
export { decodeBase64, encodeBase64 } from "./base64.js";
