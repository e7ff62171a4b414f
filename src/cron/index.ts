export type { CronFunctionSource } from './scheduler.js';
export { ProviderFunctionSource } from './http.js';
export { cronSettingsOf } from './schedule.js';
export { CronMetrics } from './metrics.js';
export { startCronTriggers, loopbackOf } from './start.js';
