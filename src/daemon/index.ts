export { startDaemon } from './daemon.js';
