export { openHost, withHost, type Host, type OpenHostOptions } from './host.js';
// provider/serve.ts still imports it from here; its home is config/paths.ts.
