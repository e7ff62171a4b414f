export {
  createPortal,
  type Portal,
  type PortalDeps,
  type PortalOverview,
  type CoreService,
} from './portal.js';
