export {
  parseReference,
  normalizeReference,
  formatReference,
  InvalidReferenceError,
  type ImageRef,
} from './reference.js';
export { RegistryClient, type RegistryOptions, isLoopbackHost } from './registry.js';
export {
  RegistryUnreachableError,
  RegistryAuthError,
  ImageNotFoundError,
  NoMatchingPlatformError,
  UnsupportedMediaTypeError,
} from './registry-errors.js';
export { pullImage, type PullOptions, type PulledImage } from './pull.js';
export { packImage, type PackSpec, type PackedImage } from './pack.js';
export { exportImages, importImages } from './archive.js';
export { listImages, removeImage, resolveImage, type ImageSummary } from './images.js';
export { progressFor, silentProgress, type Progress } from './progress.js';
export { hostPlatform, type ImageConfig, type Platform } from './oci.js';
export { defaultDockerConfigPath } from './docker-config.js';
export { formatTable, formatImageTable, packSpecFromFlags } from './format.js';
