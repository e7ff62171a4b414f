export {
  createLimitedServer,
  connectionsForFdLimit,
  SERVER_LIMIT_DEFAULTS,
  type ServerLimits,
} from './limits.js';
export { POOL_DEFAULTS, type PoolOptions } from './pool.js';
export { parseRequestUrl, parseRequestTarget, MalformedUrlError, type RequestTarget } from './url.js';
export { listenAll } from './listen.js';
export { Router, send, readBody, parseJson, type Request, type Reply, type Handler } from './router.js';
export { sendError, guarded, AUTH_REALM, BodyTooLargeError, MalformedJsonError } from './http-errors.js';
export { checkBasicAuth, loadCredentials, UnauthorizedError, type Credentials } from './auth.js';
export { Metrics } from './metrics.js';
export { parseFunctionPath, FunctionProxy, type ProxyTarget } from './proxy.js';
export { UpstreamError, NoReadyReplicaError, ClientClosedError } from './proxy-errors.js';
