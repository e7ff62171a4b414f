export { startQueueWorker, workerOptionsOf } from './worker.js';
