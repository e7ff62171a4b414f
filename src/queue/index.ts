export {
  AsyncQueue,
  QueueUnavailableError,
  connectQueue,
  REQUEST_STREAM,
  REQUEST_SUBJECT,
  DEAD_LETTER_STREAM,
  DEAD_LETTER_SUBJECT,
  DONE_BUCKET,
  type QueuedRequest,
} from './queue.js';
