export { openHost, withHost, type Host } from './host.js';
