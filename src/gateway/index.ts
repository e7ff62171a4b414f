export { startGateway, GATEWAY_DEFAULTS, type GatewayOptions, type RunningGateway } from './serve.js';
export { createGatewayHandler, type GatewayDeps } from './gateway.js';
export { Scaler, ScaleTimeoutError } from './scaler.js';
export { ProviderClient } from './provider-client.js';
export { gatewayOptionsFromEnv, envNumber } from './env.js';
