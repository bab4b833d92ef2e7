// The help pages and the API UI in a real browser (Debian's chromium via playwright-core),
// from a listening server; screenshots go to test-artifacts/help/ (gitignored).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { ROOT } from '../helpers/cli.ts';
import { SEED_BODY_PARAMETERS } from './support.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'help');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('help pages and API UI in chromium', () => {
  let s: Seeded;
  let base: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const foreign: string[] = [];

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    s = await seededApp('sqlite');
    base = await s.app.listen({ host: '127.0.0.1', port: 0 });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-chromium-'));
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    // Any request that is not to our server (a CDN, a validator) fails the suite.
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
  });

  after(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await s?.close();
  });

  it('opens the help index', async () => {
    const res = await page.goto(`${base}/help`);
    assert.equal(res?.status(), 200);
    assert.equal(await page.locator('a[href="/Help/Api/POST-api-client-ClientUpdate"]').count(), 1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'help-index.png'), fullPage: true });
  });

  it('opens the ClientUpdate page from the index, with every field of the seed', async () => {
    await page.click('a[href="/Help/Api/POST-api-client-ClientUpdate"]');
    await page.waitForURL(/POST-api-client-ClientUpdate$/);
    assert.equal(await page.locator('h1').innerText(), 'POST api/client/ClientUpdate');
    const rows = await page.locator('table').first().locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    for (const [name, type] of SEED_BODY_PARAMETERS) {
      const row = rows.find((r) => r[0] === name);
      assert.ok(row, `Body Parameters has ${name}`);
      assert.equal(row[2], type, name);
      assert.equal(row[3], 'None.', name);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'client-update.png'), fullPage: true });
  });

  it('opens the API UI, which renders every operation from /openapi.json without any foreign request', async () => {
    const res = await page.goto(`${base}/swagger`);
    assert.equal(res?.status(), 200);
    await page.locator('.opblock-summary-path', { hasText: '/api/client/ClientUpdate' }).waitFor({ timeout: 20_000 });
    for (const p of ['/api/client/ClientCreate', '/api/client/GetClient', '/api/client/ClientInfo', '/api/client/ClientHistory', '/api/client/GetConfirmCode', '/api/client/SetClientPassword', '/ManagerLogin', '/ClientLogin']) {
      assert.equal(await page.locator('.opblock-summary-path', { hasText: p }).count() >= 1, true, p);
    }
    await page.locator('.opblock-summary-path', { hasText: '/api/client/ClientUpdate' }).first().click();
    await page.locator('.opblock-body').first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'swagger.png'), fullPage: true });
    assert.deepEqual(foreign, []);
  });

  it('the help index lists the token endpoints and links each page to the sign-in section', async () => {
    await page.goto(`${base}/Help`);
    const signIn = page.locator('#sign-in');
    assert.equal(await signIn.count(), 1);
    const text = await page.locator('body').innerText();
    assert.match(text, /POST \/ManagerLogin/);
    assert.match(text, /POST \/ClientLogin/);
    assert.match(text, /Bearer token from POST \/ManagerLogin or POST \/ClientLogin/);
    await page.click('a[href="/Help/Api/POST-api-client-ClientInfo"]');
    await page.waitForURL(/POST-api-client-ClientInfo$/);
    assert.match(await page.locator('p.auth').innerText(), /Bearer <access_token>.*\/ManagerLogin.*\/ClientLogin/s);
    await page.click('p.auth a[href="/Help#sign-in"]');
    await page.waitForURL(/\/Help#sign-in$/);
  });

  it('Swagger UI: Authorize with a manager token, then Try it out on ClientUpdate answers ErrorCode 0', async () => {
    const login = await s.app.inject({ method: 'POST', url: '/ManagerLogin', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=password&username=cashier&password=secret' });
    const token = (login.json() as { access_token: string }).access_token;
    await page.goto(`${base}/swagger`);
    await page.locator('button.authorize').first().click();
    await page.locator('.modal-ux input[type="text"]').first().fill(token);
    await page.locator('.modal-ux button.authorize').first().click();
    await page.locator('.modal-ux button.close-modal').first().click();
    const op = page.locator('.opblock', { has: page.locator('.opblock-summary-path', { hasText: '/api/client/ClientUpdate' }) }).first();
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor({ timeout: 20_000 });
    assert.equal((await status.innerText()).trim(), '200');
    const body = await op.locator('.live-responses-table .response .response-col_description pre').first().innerText();
    assert.equal(JSON.parse(body).ErrorCode, 0, body);
    await page.screenshot({ path: path.join(ARTIFACTS, 'swagger-try-it.png'), fullPage: true });
    assert.deepEqual(foreign, []);
  });
});
