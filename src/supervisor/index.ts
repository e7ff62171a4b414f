export {
  loadCore,
  startCore,
  loadCompose,
  composePath,
  type CoreOptions,
  type LoadedCore,
  type RunningCore,
} from './up.js';
export { parseCompose, parsePort, type ServiceSpec } from './compose.js';
export type { DependsCondition, Healthcheck, RestartPolicy } from './compose-health.js';
export { startOrder } from './order.js';
export { ComposeError } from './compose-errors.js';
export { Supervisor, SERVICE_LABEL, RESTARTS_LABEL, STARTED_AT_LABEL } from './supervisor.js';
export type { SupervisorDeps } from './supervisor-deps.js';
export {
  serviceStatuses,
  formatServiceTable,
  formatUptime,
  nameserversIn,
  type ServiceStatus,
} from './service-status.js';
export { serviceLogs, parseSince, parseLines, type ServiceLogOptions } from './service-logs.js';
export { restartService, type RestartOptions } from './service-restart.js';
export { sampleTop, formatTopTable, cpuUsageNs, type TopTarget, type TopRow } from './service-top.js';
export { LOCAL_IMAGES, ensureImage, selfImageRef, selfImageSpec } from './local-images.js';
