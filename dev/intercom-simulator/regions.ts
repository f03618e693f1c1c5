/**
 * Intercom's hosting regions. The simulator serves each region's API on its own base URL: the US
 * at the root, EU and AU under a path prefix of the same port, so a client that only knows base
 * URLs calls the right one without knowing how they are told apart.
 */

export const REGIONS = ['US', 'EU', 'AU'] as const;

export type Region = (typeof REGIONS)[number];

const PREFIXES: Record<Exclude<Region, 'US'>, string> = { EU: '/eu', AU: '/au' };

/** The API base URL of every region, from the simulator's own URL. */
export function regionUrls(baseUrl: string): Record<Region, string> {
  const root = baseUrl.replace(/\/+$/, '');
  return { US: root, EU: `${root}${PREFIXES.EU}`, AU: `${root}${PREFIXES.AU}` };
}

/** Which region's base URL a request path was sent to, and the API path below it. */
export function hostOf(pathname: string): { region: Region; path: string } {
  for (const [region, prefix] of Object.entries(PREFIXES) as Array<[Region, string]>) {
    if (pathname === prefix || pathname.startsWith(`${prefix}/`)) return { region, path: pathname.slice(prefix.length) || '/' };
  }
  return { region: 'US', path: pathname };
}
