export { startProvider, type ProviderOptions, type RunningProvider } from './serve.js';
export { createProviderHandler, type ProviderServerDeps } from './server.js';
export { FunctionService } from './functions.js';
export { NamespaceService } from './namespaces.js';
export { SecretStore } from './secrets.js';
export { Resolver } from './resolver.js';
export { checkBasicAuth, loadCredentials, UnauthorizedError, type Credentials } from './auth.js';
export { parseDeployment, containerSpecOf, FUNCTION_LABEL, REPLICAS_LABEL } from './deployment.js';
export { parseMemory, parseCpu } from './quantity.js';
export { validateName } from './validate.js';
export {
  parseFunctionPath,
  FunctionProxy,
  forwardHeaders,
  UpstreamError,
  NoReadyReplicaError,
} from './proxy.js';
export { Metrics } from './metrics.js';
export { sendError, guarded, AUTH_REALM, BodyTooLargeError } from './http-errors.js';
export { readBody } from './router.js';
export { waitForPort } from './wait-port.js';
export type * from './types.js';
export { createProvider, listenAll, type Provider } from './serve.js';
export { FunctionInvoker, type InvokeTarget } from './invoke.js';
export type { Functions, Namespaces, Secrets } from './routes.js';
export type { ProviderHandler } from './server.js';
