export { startQueueWorker, WORKER_DEFAULTS, type WorkerOptions } from './worker.js';
export {
  AsyncQueue,
  QueueUnavailableError,
  REQUEST_STREAM,
  DEAD_LETTER_STREAM,
  DONE_BUCKET,
  type QueuedRequest,
} from './queue.js';
export { workerOptionsFromEnv } from './env.js';
