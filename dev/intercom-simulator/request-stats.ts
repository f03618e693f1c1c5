/** Per-route and per-host request counts, so tests and benchmarks can see how many calls were made, and where. */

export interface RequestLogEntry {
  at: number;
  /** The region whose API base URL the request was sent to (`US` for the root URL). */
  host: string;
  method: string;
  path: string;
  route: string;
  status: number;
  durationMs: number;
}

export interface RouteStats {
  count: number;
  byStatus: Record<string, number>;
}

export interface HostStats {
  count: number;
  /** Requests per route on this host. */
  byRoute: Record<string, number>;
}

export interface StatsSnapshot {
  total: number;
  byRoute: Record<string, RouteStats>;
  byStatus: Record<string, number>;
  /** By region host (`US`, `EU`, `AU`). */
  byHost: Record<string, HostStats>;
  /** The most recent requests, oldest first. */
  recent: RequestLogEntry[];
}

const RECENT_LIMIT = 200;

export class RequestStats {
  private total = 0;
  private byRoute = new Map<string, RouteStats>();
  private byStatus = new Map<string, number>();
  private byHost = new Map<string, HostStats>();
  private recent: RequestLogEntry[] = [];

  record(entry: RequestLogEntry): void {
    this.total += 1;
    const status = String(entry.status);
    const route = this.byRoute.get(entry.route) ?? { count: 0, byStatus: {} };
    route.count += 1;
    route.byStatus[status] = (route.byStatus[status] ?? 0) + 1;
    this.byRoute.set(entry.route, route);
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    const host = this.byHost.get(entry.host) ?? { count: 0, byRoute: {} };
    host.count += 1;
    host.byRoute[entry.route] = (host.byRoute[entry.route] ?? 0) + 1;
    this.byHost.set(entry.host, host);
    this.recent.push(entry);
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
  }

  snapshot(): StatsSnapshot {
    return {
      total: this.total,
      byRoute: Object.fromEntries([...this.byRoute].map(([key, value]) => [key, { ...value, byStatus: { ...value.byStatus } }])),
      byStatus: Object.fromEntries(this.byStatus),
      byHost: Object.fromEntries([...this.byHost].map(([key, value]) => [key, { count: value.count, byRoute: { ...value.byRoute } }])),
      recent: [...this.recent],
    };
  }

  reset(): void {
    this.total = 0;
    this.byRoute.clear();
    this.byStatus.clear();
    this.byHost.clear();
    this.recent = [];
  }
}
