import { ComposeError } from './compose-errors.js';

/**
 * Start order: every service after the ones it depends on; among those free to go, file order.
 * An unknown dependency or a cycle is an error naming them.
 */
export function startOrder<T extends { name: string; dependsOn: string[] }>(services: T[]): T[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of services) {
    for (const d of s.dependsOn) {
      if (!byName.has(d))
        throw new ComposeError(s.name, 'depends_on', `unknown service ${JSON.stringify(d)}`);
    }
  }
  const order: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: T, path: string[]): void => {
    const st = state.get(s.name);
    if (st === 'done') return;
    if (st === 'visiting') {
      const cycle = [...path.slice(path.indexOf(s.name)), s.name];
      throw new ComposeError(s.name, 'depends_on', `dependency cycle ${cycle.join(' -> ')}`);
    }
    state.set(s.name, 'visiting');
    for (const d of s.dependsOn) visit(byName.get(d) as T, [...path, s.name]);
    state.set(s.name, 'done');
    order.push(s);
  };
  for (const s of services) visit(s, []);
  return order;
}
