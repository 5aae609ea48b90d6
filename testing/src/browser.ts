import { type Browser, chromium } from 'playwright-core';

/**
 * The system's Chromium, headless, with everything that would reach the network on its own
 * (updates, sync, first-run pages) turned off, so a browser test sees only the pages it opens.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
