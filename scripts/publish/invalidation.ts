/**
 * Which CloudFront paths to invalidate for a publish. Pure.
 *
 * The price: CloudFront bills $0.005 for each path beyond the first 1,000 of
 * the month, and a wildcard path counts as one however much it matches. The
 * other cost is invisible on the bill: every unchanged object a wildcard also
 * evicts is fetched from the origin again and served slower until the cache
 * warms up.
 *
 * So:
 *   1. Exact paths while they fit the site's budget (`maxInvalidationPaths`):
 *      precise, and nothing unchanged is evicted.
 *   2. Past the budget, the covering set within the budget that evicts the
 *      fewest unchanged objects (ties: fewer wildcards, then fewer paths),
 *      found by a small dynamic programme over the folder tree. `/*` covers
 *      everything with one path, so a covering set always exists; it is
 *      chosen only when nothing narrower fits.
 *
 *
 * Both budgets shrink by what is already in progress on the distribution
 * (earlier publishes, another site, the console): CloudFront refuses an
 * invalidation that would take it past 3,000 paths or 15 wildcards in
 * progress, and it would refuse only after every upload. When not even one
 * wildcard and one path are left and the exact paths do not fit, nothing
 * fits: the plan refuses, and the publish waits for those to complete.
 *
 * `hugo deploy` always sends `/*` (every publish evicts the whole site);
 * `s3deploy` caps at 8 paths by collapsing whole folder levels, which can
 * evict far more than needed. Wildcards stop at folder boundaries here:
 * `/kitchen-*` would be legal, but which pages it evicts is hard to predict.
 */

/** CloudFront's limits on invalidations in progress, per distribution. */
export const CLOUDFRONT_LIMITS = { paths: 3000, wildcards: 15 } as const;

/**
 * Wildcards one publish may use: a third of the 15 CloudFront allows in
 * progress, so a second publish a minute later (or another site on the same
 * distribution) still fits while the first is completing.
 */
export const MAX_WILDCARDS_PER_PUBLISH = 5;

export const PRICE_PER_PATH_USD = 0.005;
export const FREE_PATHS_PER_MONTH = 1000;

export interface InvalidationInput {
  /** Full bucket keys whose cached copies are stale (changed or deleted). */
  changed: readonly string[];
  /** Full bucket keys that stay as they are: what a wildcard would evict for nothing. */
  unchanged: readonly string[];
  /** The distribution's origin path, e.g. "/site" ("" for the bucket root). */
  originPath: string;
  maxPaths: number;
  maxWildcards?: number;
  /** Already in progress on the distribution (wildcards counted among the paths too); nothing when unknown. */
  inProgress?: { paths: number; wildcards: number };
}

export interface InvalidationPaths {
  /** Sorted, URL-encoded, ready for CreateInvalidation. */
  paths: string[];
  /** How many exact paths the changes needed before any collapsing. */
  exactPaths: number;
  wildcards: number;
  /** Unchanged objects the wildcards evict too. */
  collateral: number;
  /** What this publish may send: the site's own caps, lowered to what CloudFront's limits leave. */
  budget: { paths: number; wildcards: number };
  /** False when nothing fits that budget (`paths` is then empty): the publish must wait. */
  fits: boolean;
}

/**
 * The URL paths under which a key can be cached by a distribution, or none
 * when the distribution's origin path does not reach it. `dir/index.html`
 * is also served (and cached) as `/dir/`.
 */
export function urlPathsOf(key: string, originPath: string): string[] {
  const root = originPath === '' ? '' : `${originPath.slice(1)}/`;
  if (!key.startsWith(root)) return [];
  const relative = key.slice(root.length);
  const url = '/' + relative.split('/').map(encodeSegment).join('/');
  if (relative === 'index.html' || relative.endsWith('/index.html')) return [url.slice(0, -'index.html'.length), url];
  return [url];
}

/**
 * CloudFront wants non-ASCII and RFC 1738 unsafe characters percent-encoded,
 * which is what a browser sends; `*` is encoded too, or it would be a wildcard.
 */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/\*/g, '%2A');
}

export function invalidationPaths(input: InvalidationInput): InvalidationPaths {
  const exact = [...new Set(input.changed.flatMap((key) => urlPathsOf(key, input.originPath)))].sort();
  const budget = budgetLeft(input);
  if (exact.length <= budget.paths) return { paths: exact, exactPaths: exact.length, wildcards: 0, collateral: 0, budget, fits: true };
  // The root's "/*" needs one of each; with less, no covering set exists.
  if (budget.paths < 1 || budget.wildcards < 1) return { paths: [], exactPaths: exact.length, wildcards: 0, collateral: 0, budget, fits: false };

  const tree = folderTree(exact, input.unchanged, input.originPath);
  const best = pick(solve(tree, budget.paths, budget.wildcards));
  const paths = [
    ...best.wild.map((folder) => `${folder}*`),
    ...exact.filter((path) => !best.wild.some((folder) => path.startsWith(folder))),
  ].sort();
  return { paths, exactPaths: exact.length, wildcards: best.wild.length, collateral: best.collateral, budget, fits: true };
}

function budgetLeft(input: InvalidationInput): InvalidationPaths['budget'] {
  const inProgress = input.inProgress ?? { paths: 0, wildcards: 0 };
  return {
    paths: Math.max(0, Math.min(input.maxPaths, CLOUDFRONT_LIMITS.paths - inProgress.paths)),
    wildcards: Math.max(0, Math.min(input.maxWildcards ?? MAX_WILDCARDS_PER_PUBLISH, CLOUDFRONT_LIMITS.wildcards - inProgress.wildcards)),
  };
}

interface Folder {
  /** URL path ending in "/". */
  path: string;
  /** Changed paths directly in this folder (a folder's own `/dir/` counts here). */
  own: number;
  /** Unchanged objects anywhere below this folder. */
  unchanged: number;
  children: Folder[];
}

function folderOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

/** The folders holding changed paths, and their ancestors, with counts. */
function folderTree(changed: readonly string[], unchangedKeys: readonly string[], originPath: string): Folder {
  const folders = new Map<string, Folder>();
  const folder = (path: string): Folder => {
    let node = folders.get(path);
    if (!node) {
      node = { path, own: 0, unchanged: 0, children: [] };
      folders.set(path, node);
      if (path !== '/') folder(folderOf(path.slice(0, -1))).children.push(node);
    }
    return node;
  };
  const root = folder('/');
  for (const path of changed) folder(folderOf(path)).own++;
  for (const key of unchangedKeys) {
    const url = urlPathsOf(key, originPath).at(-1);
    if (url === undefined) continue;
    // Counted in every folder of the tree it sits under: a wildcard on any of them evicts it.
    for (let end = url.indexOf('/'); end !== -1; end = url.indexOf('/', end + 1)) {
      const node = folders.get(url.slice(0, end + 1));
      if (node) node.unchanged++;
    }
  }
  return root;
}

interface Choice {
  collateral: number;
  /** Folders given a wildcard. */
  wild: readonly string[];
  /** Exact paths still to send. */
  exact: number;
}

/**
 * For one folder: the best choice for each (wildcards used, exact paths
 * left) pair within budget — a knapsack over the subtree. Either the folder
 * takes one wildcard (evicting all its unchanged objects), or its own
 * changed paths are sent exactly and each subfolder chooses for itself.
 */
function solve(folder: Folder, maxPaths: number, maxWildcards: number): Map<number, Choice> {
  const slot = (choice: Choice) => choice.wild.length * (maxPaths + 1) + choice.exact;
  let table = new Map<number, Choice>();
  if (folder.own <= maxPaths) table.set(slot({ collateral: 0, wild: [], exact: folder.own }), { collateral: 0, wild: [], exact: folder.own });
  for (const child of folder.children) {
    const options = solve(child, maxPaths, maxWildcards);
    const merged = new Map<number, Choice>();
    for (const a of table.values()) {
      for (const b of options.values()) {
        const choice = { collateral: a.collateral + b.collateral, wild: [...a.wild, ...b.wild], exact: a.exact + b.exact };
        if (choice.wild.length > maxWildcards || choice.wild.length + choice.exact > maxPaths) continue;
        keepBetter(merged, slot(choice), choice);
      }
    }
    table = merged;
  }
  keepBetter(table, slot({ collateral: 0, wild: [folder.path], exact: 0 }), { collateral: folder.unchanged, wild: [folder.path], exact: 0 });
  return table;
}

/**
 * Fewest unchanged objects evicted; then fewest wildcards, which are the
 * scarce kind (15 in progress per distribution) and make a plan harder to
 * read; then fewest paths. Within the budget a few more exact paths cost at
 * most cents, so they lose to a spare wildcard slot.
 */
function better(a: Choice, b: Choice): boolean {
  if (a.collateral !== b.collateral) return a.collateral < b.collateral;
  if (a.wild.length !== b.wild.length) return a.wild.length < b.wild.length;
  return a.wild.length + a.exact < b.wild.length + b.exact;
}

function keepBetter(table: Map<number, Choice>, slot: number, choice: Choice): void {
  const current = table.get(slot);
  if (!current || better(choice, current)) table.set(slot, choice);
}

function pick(table: Map<number, Choice>): Choice {
  let best: Choice | undefined;
  for (const choice of table.values()) if (!best || better(choice, best)) best = choice;
  // The root's own wildcard ("/*") is always in the table.
  return best!;
}

/** What the paths cost if the month's free 1,000 are already used. */
export function worstCaseCostUsd(paths: number): number {
  return Math.round(paths * PRICE_PER_PATH_USD * 1000) / 1000;
}
