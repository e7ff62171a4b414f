export { startGateway, serveGateway, gatewayOptionsOf, authSecretsDir } from './serve.js';
export { createGatewayHandler } from './gateway.js';
export { Scaler } from './scaler.js';
export { LocalBackend } from './local-backend.js';
