export { openHost, withHost, coreLogDir, functionLogDir, type Host, type OpenHostOptions } from './host.js';
