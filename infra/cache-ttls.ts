/**
 * The distribution's cache policy, read off the publisher's Cache-Control
 * split (site.yaml `publish.cacheControl`), so the two cannot disagree:
 * CloudFront keeps an object for its own max-age clamped to [min, max], and
 * uses the default only for an object that has no Cache-Control at all.
 * So the minimum is the shortest max-age (HTML's 0: revalidated on every
 * request) and the maximum the longest (fingerprinted assets' year).
 */
import type { PublishConfig } from '../scripts/config/schema.ts';

export interface CacheTtls {
  min: number;
  default: number;
  max: number;
}

export function maxAgeOf(cacheControl: string): number {
  const match = /(?:^|,)\s*(?:s-maxage|max-age)=(\d+)/.exec(cacheControl);
  // no-cache / no-store without a max-age mean "do not keep it".
  return match ? Number(match[1]) : 0;
}

export function cacheTtls(cacheControl: PublishConfig['cacheControl']): CacheTtls {
  const ages = [cacheControl.html, cacheControl.fingerprinted, cacheControl.other].map(maxAgeOf);
  return { min: Math.min(...ages), default: maxAgeOf(cacheControl.other), max: Math.max(...ages) };
}
