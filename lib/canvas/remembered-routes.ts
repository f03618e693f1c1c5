/**
 * The routes of the inbox app's URLs that this process has verified requests with, by URL: a warm
 * call then needs no read of its route before it can check the signature and read the workspace.
 * An entry is a guess, never trusted alone: the caller checks it against the workspace's
 * connection, which it reads anyway (a route is written and released in the same transaction as
 * the connection it belongs to), and forgets it when they differ. Holds at most `limit` entries;
 * the least recently remembered go first.
 */
export class RememberedRoutes<T> {
  private readonly routes = new Map<string, T>();

  constructor(private readonly limit = 1_000) {}

  get(key: string): T | undefined {
    return this.routes.get(key);
  }

  remember(key: string, route: T): void {
    this.routes.delete(key);
    this.routes.set(key, route);
    if (this.routes.size > this.limit) this.routes.delete(this.routes.keys().next().value!);
  }

  forget(key: string): void {
    this.routes.delete(key);
  }
}
