export { startupDone } from './hook.js';
