/**
 * Debian's Chromium, for the page audits and the browser tests. Nothing here
 * downloads a browser: without /usr/bin/chromium the caller fails and says
 * how to install it.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags every headless run gets. The background-networking ones keep
 * Chromium from calling home; on a closed network those calls only add
 * noise and delay.
 */
export const CHROMIUM_FLAGS: readonly string[] = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing. Install Debian's Chromium with "bash scripts/setup.sh" (or apt-get install -y chromium).`);
  }
  return CHROMIUM;
}
