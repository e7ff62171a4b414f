export { loadCore, loadCompose, composePath, type RunningCore } from './up.js';
export { SERVICE_LABEL } from './service-container.js';
export { serviceStatuses, formatServiceTable, nameserversIn } from './service-status.js';
export { serviceLogs, parseSince, parseLines } from './service-logs.js';
export { restartService } from './service-restart.js';
export { sampleTop, formatTopTable, type TopTarget } from './service-top.js';
