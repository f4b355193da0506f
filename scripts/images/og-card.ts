/**
 * Open Graph cards (1200×630, what social sites show for a shared link): the
 * site's cover artwork, cropped to fit, with the site's name and domain on a
 * dark band so they stay readable over any artwork.
 *
 * The PNGs are committed (sites/<domain>/assets/og-<shortName>.png) rather than
 * rendered at build: text rendering depends on the fonts installed, and a card
 * whose bytes differ from machine to machine would be re-uploaded by every
 * publish. Re-render them after changing a cover: `npx tsx scripts/images/render-og-cards.ts`.
 */
import sharp from 'sharp';
import { escapeHtml } from '../build/html.ts';

export const OG_WIDTH = 1200;
export const OG_HEIGHT = 630;

export interface OgCardText {
  title: string;
  domain: string;
}

function overlay(text: OgCardText): Buffer {
  const band = 196;
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${OG_WIDTH}" height="${OG_HEIGHT}">
  <defs><linearGradient id="fade" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="#000" stop-opacity="0"/><stop offset="0.35" stop-color="#000" stop-opacity="0.55"/><stop offset="1" stop-color="#000" stop-opacity="0.78"/>
  </linearGradient></defs>
  <rect y="${OG_HEIGHT - band - 60}" width="${OG_WIDTH}" height="${band + 60}" fill="url(#fade)"/>
  <text x="64" y="${OG_HEIGHT - 96}" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-weight="700" font-size="76" fill="#ffffff">${escapeHtml(text.title)}</text>
  <text x="66" y="${OG_HEIGHT - 44}" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="34" fill="#f1f1f1" opacity="0.9">${escapeHtml(text.domain)}</text>
</svg>`);
}

export async function renderOgCard(cover: Buffer | string, text: OgCardText): Promise<Buffer> {
  const background = await sharp(cover, { density: 144 }).resize(OG_WIDTH, OG_HEIGHT, { fit: 'cover', position: 'centre' }).toBuffer();
  return sharp(background)
    .composite([{ input: overlay(text) }])
    .flatten({ background: '#000000' })
    .png({ compressionLevel: 9, palette: false })
    .toBuffer();
}
