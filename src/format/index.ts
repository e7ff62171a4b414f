export { formatTable } from './table.js';
