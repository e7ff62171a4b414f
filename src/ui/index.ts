export { createPortal, type Portal, type PortalDeps, type PortalOverview } from './portal.js';
