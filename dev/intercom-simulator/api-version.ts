/** Intercom API versions, compared by rank: `1.4` < `2.14` < `2.16` < `Unstable`. */

/** The version a workspace's app is pinned to unless told otherwise. */
export const DEFAULT_API_VERSION = '2.16';

const NUMBERED = /^(\d+)\.(\d+)$/;

/** Whether `value` names an Intercom API version (`1.0`..`2.x`, `Unstable`, `Preview`). */
export function isApiVersion(value: string): boolean {
  return NUMBERED.test(value) || value === 'Unstable' || value === 'Preview';
}

/** A sortable number for a version; unnamed previews rank above every numbered version. */
export function versionRank(version: string): number {
  const match = NUMBERED.exec(version);
  if (!match) return Number.MAX_SAFE_INTEGER;
  return Number(match[1]) * 1000 + Number(match[2]);
}

/** Whether `version` is `minimum` or newer. */
export function atLeast(version: string, minimum: string): boolean {
  return versionRank(version) >= versionRank(minimum);
}
