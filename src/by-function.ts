/**
 * Values kept per function, namespace → name → value: looked up with the two strings a request
 * already holds (each hashed once), not a "namespace/name" key built and hashed again at every step of
 * every invocation (issue #12). Used by the invoke path's tables (load, ready addresses, readiness).
 */
export class ByFunction<V> {
  private readonly byNamespace = new Map<string, Map<string, V>>();

  get(namespace: string, name: string): V | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  set(namespace: string, name: string, value: V): void {
    let names = this.byNamespace.get(namespace);
    if (!names) this.byNamespace.set(namespace, (names = new Map<string, V>()));
    names.set(name, value);
  }

  /** Removes one function's value; a namespace left empty goes too (the table stays bounded). */
  delete(namespace: string, name: string): void {
    const names = this.byNamespace.get(namespace);
    names?.delete(name);
    if (names?.size === 0) this.byNamespace.delete(namespace);
  }

  /** Removes the name in every namespace. */
  deleteEverywhere(name: string): void {
    for (const namespace of [...this.byNamespace.keys()]) this.delete(namespace, name);
  }

  clear(): void {
    this.byNamespace.clear();
  }

  keys(): { namespace: string; name: string }[] {
    const out: { namespace: string; name: string }[] = [];
    for (const [namespace, names] of this.byNamespace)
      for (const name of names.keys()) out.push({ namespace, name });
    return out;
  }
}
