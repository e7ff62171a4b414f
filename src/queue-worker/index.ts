export { startQueueWorker, workerOptionsOf, WORKER_DEFAULTS, type WorkerOptions } from './worker.js';
