export { createPortal, type CoreService } from './portal.js';
