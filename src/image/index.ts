export { parseReference, normalizeReference } from './reference.js';
export { RegistryClient } from './registry.js';
export { pullImage } from './pull.js';
export { packImage, type PackSpec, type PackedImage } from './pack.js';
export { exportImages, importImages } from './archive.js';
export { listImages, removeImage, resolveImage } from './images.js';
export { progressFor } from './progress.js';
export type { ImageConfig } from './oci.js';
export { formatImageTable, packSpecFromFlags } from './format.js';
