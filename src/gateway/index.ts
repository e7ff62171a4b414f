export {
  startGateway,
  serveGateway,
  gatewayOptionsOf,
  authSecretsDir,
  type GatewayOptions,
  type RunningGateway,
} from './serve.js';
export { createGatewayHandler, type GatewayDeps } from './gateway.js';
export { Scaler, ScaleTimeoutError } from './scaler.js';
export { LocalBackend } from './local-backend.js';
export { HttpBackend } from './http-backend.js';
export type { FunctionBackend, InvokeTarget } from './backend.js';
