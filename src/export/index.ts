export { exportStack } from './export.js';
