import type { ContainerRecord } from '../containerd/index.js';
import { NotFoundError } from '../errors.js';
import type { NamespaceService } from './namespaces.js';
import { validateName } from './validate.js';
import type { ContainerCache } from './container-cache.js';
import { groupsOf, type Fn } from './function-records.js';
import { groupFunctions } from './instances.js';

/** Finds one function's containers with as few containerd Lists as the moment allows. */
export class FunctionLookup {
  /** Filtered Lists of one function under way. */
  private lookups = 0;

  constructor(
    private readonly cache: ContainerCache,
    /** A List of the function's own containers (filtered by its label's value). */
    private readonly filtered: (namespace: string, name: string) => Promise<ContainerRecord[]>,
    private readonly namespaces: Pick<NamespaceService, 'assertUsable'>,
  ) {}

  /** The function the API names: a 400 for a bad name or namespace, a 404 when it does not exist. */
  async existing(name: string, namespace: string): Promise<Fn> {
    validateName('function', name);
    await this.namespaces.assertUsable(namespace);
    const g = await this.group(namespace, name);
    if (!g) throw new NotFoundError('function', name);
    return g;
  }

  /**
   * One function's containers: from the namespace's kept list when there is one (invoke routing and
   * describe then make no containerd call); else, when other lookups run at the same time, from one
   * shared List of the namespace; else a List filtered by the label's value (its answer does not grow
   * with the other functions). After a restart with a thousand functions, each first invocation (the
   * gateway's describe, then the route) made its own filtered List, and containerd reads every record
   * for each: the shared List makes that one List for all of them (issue #16).
   */
  async group(namespace: string, name: string): Promise<Fn | undefined> {
    const kept = this.cache.peek(namespace);
    if (kept) return groupsOf(kept).get(name);
    // Not while a deploy or another change runs: its List would not be kept, and a batch of deploys
    // would each fetch the whole namespace.
    const busy = this.lookups > 0 || this.cache.listing(namespace);
    if (busy && !this.cache.changing(namespace)) return groupsOf(await this.cache.list(namespace)).get(name);
    this.lookups++;
    try {
      return groupFunctions(await this.filtered(namespace, name)).get(name);
    } finally {
      this.lookups--;
    }
  }
}
