export {
  createLimitedServer,
  connectionsForFdLimit,
  SERVER_LIMIT_DEFAULTS,
  type ServerLimits,
} from './limits.js';
export { AgentPool, POOL_DEFAULTS, type PoolOptions } from './pool.js';
export { parseRequestUrl, MalformedUrlError } from './url.js';
