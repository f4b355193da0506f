/**
 * Debian's Chromium, driven by playwright-core. Nothing here downloads a
 * browser: without /usr/bin/chromium the tests fail and say how to install it.
 */
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS, requireChromium } from '../../scripts/audit/chromium.ts';

export { CHROMIUM };

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: requireChromium(), headless: true, args: [...CHROMIUM_FLAGS] });
}
