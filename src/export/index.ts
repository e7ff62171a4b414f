export { exportStack, type ExportOptions } from './export.js';
export {
  buildStackFile,
  renderStackFile,
  toStackFunction,
  memoryForKubernetes,
  cpuForKubernetes,
  type StackFile,
  type StackFunction,
} from './stack-file.js';
