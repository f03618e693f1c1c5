import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/**
 * The browser the `*.browser.test.ts` files drive: the machine's own Chromium (Debian's `chromium`
 * package, or `CHROMIUM_PATH`), never one downloaded by a test tool.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a machine without a display or an open network: no sandbox
 * (CI runs as root), no GPU, and none of the background connections (sync, component updates,
 * QUIC) that a closed network would refuse at every start.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedBrowser {
  browser: Browser;
  /** A fresh context (its own cookies and storage) with the given viewport. */
  newContext(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Starts headless Chromium; Playwright gives it an empty profile of its own and removes it on `close`. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    browser,
    newContext: (viewport = { width: 1280, height: 800 }) => browser.newContext({ viewport }),
    close: () => browser.close(),
  };
}
