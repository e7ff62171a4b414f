import { InvalidArgumentError } from '../errors.js';
import { parseDeployment } from './deployment.js';
import type { StoredDeployment } from './function-records.js';
import { parseScaleLabels } from './scale-labels.js';

export interface DeployInputDeps {
  namespaces: { defaultNamespace: string; assertUsable(namespace: string): Promise<void> };
  secrets: { exists(namespace: string, name: string): Promise<boolean> };
}

/**
 * A deploy's or update's body as a deployment, or a 400 naming the field: the body's own checks, a
 * namespace that can hold functions, secrets that exist, well-formed com.openfaas.scale.* labels.
 */
export async function deploymentInput(d: DeployInputDeps, body: unknown): Promise<StoredDeployment> {
  const dep = parseDeployment(body, d.namespaces.defaultNamespace);
  await d.namespaces.assertUsable(dep.namespace);
  for (const s of dep.secrets ?? []) {
    if (!(await d.secrets.exists(dep.namespace, s))) {
      throw new InvalidArgumentError(
        'secrets',
        `secret ${JSON.stringify(s)} does not exist in namespace ${dep.namespace}`,
      );
    }
  }
  parseScaleLabels(dep.labels);
  return dep;
}
