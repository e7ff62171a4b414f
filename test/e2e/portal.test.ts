import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { authPrompt, launchBrowser, type AuthPrompt, type TestBrowser } from '../helpers/browser.js';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { packPortalFunction } from '../helpers/portal-function.js';
import { needsRoot } from '../helpers/root.js';
import { testStack, type TestStack } from '../helpers/stack.js';

const IMAGE = 'faasd.test/portal-fn:1';
const FN = 'portal-fn';
const SHOTS = join(import.meta.dirname, '../../docs/ui');
const WAIT = { timeout: 60_000, polling: 100 };

const q = (v: string) => JSON.stringify(v);
/** Waits (bounded) until a JavaScript condition holds in the page; on failure, says what the page shows. */
const until = async (page: Page, expr: string) => {
  try {
    await page.waitForFunction(expr, WAIT);
  } catch (err) {
    const shown = await page
      .evaluate(
        `document.body.innerText + ' | replicas input: ' + document.querySelector('#replicas')?.value`,
      )
      .catch((e: unknown) => String(e));
    throw new Error(`the page never had ${expr}; it shows:\n${String(shown)}`, { cause: err });
  }
};

/** The describe list's entry `key` on a function's page reads `want`. */
const describeEntry = (page: Page, key: string, want: string) =>
  until(page, `document.querySelector(${q(`dd[data-key="${key}"]`)})?.textContent === ${q(want)}`);

/** Some element matching `selector` contains `want`. */
const pageText = (page: Page, selector: string, want: string) =>
  until(
    page,
    `[...document.querySelectorAll(${q(selector)})].some((e) => e.textContent.includes(${q(want)}))`,
  );

/** The text of the first element matching `selector`. */
const textOf = async (page: Page, selector: string): Promise<string> =>
  String(await page.evaluate(`document.querySelector(${q(selector)})?.textContent ?? ''`));

/** Replaces a field's text as a person would: select all, then type. */
const retype = async (page: Page, selector: string, text: string) => {
  await page.click(selector, { clickCount: 3 });
  await page.keyboard.press('Backspace');
  await page.type(selector, text);
};

/** The portal at /ui/, driven in Debian's chromium against the default stack (issue #14 acceptance). */
describe('portal in a real browser (default stack)', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let stack: TestStack;
  let chrome: TestBrowser;
  let page: Page;
  let password: string;
  let prompt: AuthPrompt;
  let NS: string;
  const pageErrors: string[] = [];
  const go = async (hash: string) => {
    await page.evaluate(`location.hash = ${q(hash)}`);
    await page.waitForSelector('main h1');
  };
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), type: 'png' });

  before(async () => {
    ctd = await startContainerd('portal');
    stack = await testStack(ctd, 'portal');
    NS = stack.config.functionNamespace;
    await packPortalFunction(ctd.client.inNamespace(stack.config.functionNamespace), IMAGE);
    await stack.startProvider();
    await stack.startUp();
    password = Buffer.from(stack.auth.slice('Basic '.length), 'base64').toString().slice('admin:'.length);
    chrome = await launchBrowser();
    page = await chrome.browser.newPage();
    await page.setViewport({ width: 1100, height: 760 });
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    prompt = await authPrompt(page);
    await mkdir(SHOTS, { recursive: true });
  });

  after(async () => {
    await chrome?.close();
    await stack?.cleanup();
    await ctd?.stop();
  });

  it('asks for the gateway credentials, then / lands on the Functions view', async () => {
    const refused = await page.goto(`${stack.gateway}/`);
    assert.equal(refused?.status(), 401);
    assert.equal(prompt.prompts, 1);
    assert.match(await page.content(), /Signed out/);
    prompt.credentials = { username: 'admin', password };
    const res = await page.goto(`${stack.gateway}/`);
    assert.equal(res?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/ui/');
    await pageText(page, 'tr.placeholder td', 'No functions in this namespace yet');
  });

  it('deploy: an error from the API shows at its field and deploys nothing', async () => {
    await go('#/deploy');
    await page.type('input[name=service]', FN);
    await page.type('input[name=image]', IMAGE);
    await page.type('input[name="limits.memory"]', '12 apples');
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name="limits.memory"][aria-invalid=true]', WAIT);
    const msg = await textOf(page, 'input[name="limits.memory"] ~ .field-error');
    assert.match(msg, /limits\.memory "12 apples"/);
    await shot('deploy');
  });

  it('deploys from the form and sees the function become ready', async () => {
    await retype(page, 'input[name="limits.memory"]', '64Mi');
    await page.type('textarea[name=envVars]', 'GREETING=portal');
    await page.type('textarea[name=labels]', 'team=portal');
    await page.click('button[type=submit]');
    await until(page, `location.hash === ${q(`#/function/${NS}/${FN}`)}`);
    await describeEntry(page, 'Replicas (ready/desired)', '1/1');
    await pageText(page, 'dd[data-key=Environment]', 'GREETING = portal');
  });

  it('invokes it and shows the JSON answer pretty-printed, with status and time', async () => {
    await go(`#/invoke/${NS}/${FN}`);
    await page.waitForSelector(`select[name=function] option[value="${FN}"]`);
    await retype(page, 'input[name=path]', '/from-browser');
    await page.type('textarea[name=body]', 'hello-portal');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-status="200"]', WAIT);
    const body = await textOf(page, 'pre.body');
    assert.match(body, /\n {2}"said": "hello-portal"/);
    assert.match(body, /"user": "app"/);
    assert.match(body, /"path": "\/from-browser"/);
    await shot('invoke');
  });

  it('follows its logs and sees the line it wrote', async () => {
    await go(`#/function/${NS}/${FN}`);
    await pageText(page, 'ol.log li', 'portal-fn handled POST /from-browser');
    await page.click('.view-head button[aria-pressed]');
    await page.waitForSelector('.view-head button[aria-pressed=false]');
    await page.click('.view-head button[aria-pressed]');
    await page.waitForSelector('.view-head button[aria-pressed=true]');
    await shot('function');
  });

  it('scales it to zero and back', async () => {
    await page.click('form[aria-label=Scale] button.secondary');
    await describeEntry(page, 'Replicas (ready/desired)', '0/0');
    await retype(page, '#replicas', '1');
    await page.click('form[aria-label=Scale] button[type=submit]');
    await describeEntry(page, 'Replicas (ready/desired)', '1/1');
  });

  it('lists it with its invocations', async () => {
    await go('#/functions');
    await page.waitForSelector(`tr[data-function="${FN}"]`, WAIT);
    await pageText(page, `tr[data-function="${FN}"] td`, '1/1');
    await shot('functions');
  });

  it('creates a secret (its value never shown) and deletes it', async () => {
    await go('#/secrets');
    await page.type('input[name=name]', 'portal-key');
    await page.type('textarea[name=value]', 'v3ry-s3cret');
    await page.click('form button[type=submit]');
    await page.waitForSelector('tr[data-secret="portal-key"]', WAIT);
    assert.equal((await page.content()).includes('v3ry-s3cret'), false);
    await shot('secrets');
    await page.click('button[aria-label="Delete portal-key"]');
    await page.click('dialog[open] button[value=ok]');
    await until(page, `!document.querySelector('tr[data-secret="portal-key"]')`);
  });

  it('shows the system: versions, core services, the faas-cli login line', async () => {
    await go('#/system');
    await pageText(page, 'table.services td', 'running');
    // The compose services from the daemon, with their restarts (as `faasd service list` shows them).
    await pageText(page, 'table.services', 'nats');
    await pageText(page, 'table.services', 'restarts 0');
    await pageText(
      page,
      'code.copy',
      `faas-cli login --username admin --password-stdin --gateway ${stack.gateway}`,
    );
    await shot('system');
  });

  it('deletes the function after a confirmation', async () => {
    await go(`#/function/${NS}/${FN}`);
    await page.click('.view-head button.danger');
    await page.click('dialog[open] button[value=cancel]');
    await describeEntry(page, 'Replicas (ready/desired)', '1/1');
    await page.click('.view-head button.danger');
    await page.click('dialog[open] button[value=ok]');
    await until(page, `location.hash === '#/functions'`);
    await pageText(page, 'tr.placeholder td', 'No functions in this namespace yet');
    const res = await fetch(`${stack.gateway}/system/function/${FN}`, {
      headers: { Authorization: stack.auth },
    });
    assert.equal(res.status, 404);
  });

  it('shows a phone-width layout', async () => {
    await page.setViewport({ width: 390, height: 760 });
    await go('#/system');
    await pageText(page, 'table.services td', 'running');
    await page.screenshot({ path: join(SHOTS, 'phone-system.png'), type: 'png' });
    await page.setViewport({ width: 1100, height: 760 });
  });

  it('signs out: the browser forgets the credentials and asks again', async () => {
    await go('#/functions');
    // Loads from here on use what the browser kept, not the prompt.
    const asked = prompt.prompts;
    const kept = await page.goto(`${stack.gateway}/ui/?again#/system`);
    assert.equal(kept?.status(), 200);
    assert.equal(prompt.prompts, asked);
    prompt.credentials = undefined;
    await page.click('#signout');
    await until(page, `location.pathname === '/ui/logout'`);
    assert.match(await page.content(), /Signed out/);
    const res = await page.goto(`${stack.gateway}/ui/`);
    assert.equal(res?.status(), 401);
    assert.ok(prompt.prompts > asked, 'the browser asked for credentials again');
  });

  it('raised no script error in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
