export {
  CronScheduler,
  systemClock,
  type Clock,
  type CronCandidate,
  type CronFunctionSource,
  type CronInvoker,
  type CronSchedulerOptions,
} from './scheduler.js';
export { ProviderFunctionSource, GatewayInvoker } from './http.js';
export { cronSettingsOf, parseSchedule, CRON_TOPIC, ASYNC_ANNOTATION } from './schedule.js';
export { CronMetrics } from './metrics.js';
export { startCronTriggers, loopbackOf, type CronTriggerOptions } from './start.js';
