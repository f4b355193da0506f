/**
 * Renders each site's Open Graph card from its cover artwork
 * (sites/<domain>/images/cover.svg) to the path its site.yaml names in
 * `ogImage`, under the site's assets. Run after changing a cover or a title:
 *
 *   npx tsx scripts/images/render-og-cards.ts
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAllSites, workspaceAt } from '../config/sites.ts';
import { renderOgCard } from './og-card.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

for (const site of await loadAllSites(workspaceAt(root))) {
  const target = path.join(site.dir, 'assets', site.ogImage.replace(/^\/assets\//, ''));
  const png = await renderOgCard(path.join(site.dir, 'images', 'cover.svg'), { title: site.title, domain: site.domain });
  await writeFile(target, png);
  process.stdout.write(`${path.relative(root, target)} (${png.length} bytes)\n`);
}
