export {
  AsyncQueue,
  QueueUnavailableError,
  connectQueue,
  REQUEST_STREAM,
  DEAD_LETTER_SUBJECT,
  DONE_BUCKET,
  type QueuedRequest,
} from './queue.js';
