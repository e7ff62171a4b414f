export {
  loadCore,
  startCore,
  loadCompose,
  type CoreOptions,
  type LoadedCore,
  type RunningCore,
} from './up.js';
export { parseCompose, parsePort, type ServiceSpec } from './compose.js';
export { startOrder } from './order.js';
export { ComposeError } from './compose-errors.js';
export { Supervisor, SERVICE_LABEL, type SupervisorDeps } from './supervisor.js';
export { LOCAL_IMAGES, ensureImage, selfImageRef, selfImageSpec } from './local-images.js';
