import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, type Browser, type Page } from 'puppeteer-core';

/** Debian's chromium (scripts/setup-host.sh); puppeteer-core downloads no browser of its own. */
export const CHROMIUM = process.env.FAASD_TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Headless chromium with a throwaway profile; `--no-sandbox` because tests run as root. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'faasd-test-chromium-'));
  const browser = await launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    // puppeteer's defaults already turn off background networking and component updates: loopback only.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  }).catch(async (err: unknown) => {
    await rm(profile, { recursive: true, force: true });
    throw err;
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => browser.process()?.kill('SIGKILL'));
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface AuthPrompt {
  /** What the "person" types into the browser's sign-in prompt; undefined cancels it. */
  credentials: { username: string; password: string } | undefined;
  /** How many times the browser asked. */
  prompts: number;
}

/**
 * Stands in for the browser's own basic-auth prompt (headless chromium has none): counts each time the
 * browser asks, and answers with `credentials` or cancels, once per request.
 */
export async function authPrompt(page: Page): Promise<AuthPrompt> {
  const cdp = await page.createCDPSession();
  const state: AuthPrompt = { credentials: undefined, prompts: 0 };
  const answered = new Set<string>();
  cdp.on('Fetch.requestPaused', (e) => {
    cdp.send('Fetch.continueRequest', { requestId: e.requestId }).catch(() => undefined);
  });
  cdp.on('Fetch.authRequired', (e) => {
    state.prompts++;
    const give = state.credentials && !answered.has(e.requestId);
    answered.add(e.requestId);
    cdp
      .send('Fetch.continueWithAuth', {
        requestId: e.requestId,
        authChallengeResponse: give
          ? { response: 'ProvideCredentials', ...state.credentials }
          : { response: 'CancelAuth' },
      })
      .catch(() => undefined);
  });
  await cdp.send('Fetch.enable', { handleAuthRequests: true, patterns: [{ urlPattern: '*' }] });
  return state;
}
