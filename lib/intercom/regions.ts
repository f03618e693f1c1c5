/** Intercom's hosting regions, as `GET /me` names them in `app.region`. */
export const INTERCOM_REGIONS = ['US', 'EU', 'AU'] as const;

export type IntercomRegion = (typeof INTERCOM_REGIONS)[number];

/**
 * The region of an `app.region` from `GET /me`, or of one stored from it. A missing or unknown
 * region is the US: its API host routes a call to any region.
 */
export function regionOf(value: string | null | undefined): IntercomRegion {
  const upper = value?.trim().toUpperCase();
  return INTERCOM_REGIONS.find((region) => region === upper) ?? 'US';
}

const INBOX_ORIGINS: Record<IntercomRegion, string> = {
  US: 'https://app.intercom.com',
  EU: 'https://app.eu.intercom.com',
  AU: 'https://app.au.intercom.com',
};

/** Where a region's agents open the Intercom inbox. */
export function inboxOrigin(region: IntercomRegion): string {
  return INBOX_ORIGINS[region];
}
