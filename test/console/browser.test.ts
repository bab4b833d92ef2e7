// The operator console in a real browser (Debian's chromium via playwright-core) against a
// listening server built by the app factory, on both engines: sign-in, search, the
// participant page, an edit and a refused one, isolation between operators, a wrong
// password, markup in a name shown as text, the CSP and the refresh cookie. Screenshots go
// to test-artifacts/console/; with LCM_SCREENSHOTS=1 the SQLite run writes docs/console/*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { ENGINES } from '../helpers/engines.ts';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { ROOT } from '../helpers/cli.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { updateClientInTransaction } from '../../src/participant/update/batch.ts';
import { createClient } from '../../src/participant/create.ts';
import { findParticipant } from '../../src/participant/store/participants.ts';
import { listHistory } from '../../src/participant/store/history.ts';
import { addWebhook } from '../../src/webhooks/store/webhooks.ts';
import { CONSOLE_CSP } from '../../src/http/console/routes.ts';
import { REFRESH_COOKIE } from '../../src/http/console/session.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');
const DOCS = path.join(ROOT, 'docs', 'console');
const XSS_NAME = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">';

const call = { requestId: 'console-test', remoteAddress: '127.0.0.1' };

for (const engine of ENGINES) {
  describe(`operator console in chromium on ${engine}`, () => {
    let s: Seeded;
    let base: string;
    let profile: string;
    let context: BrowserContext;
    let page: Page;
    let xssClient: number;
    const foreign: string[] = [];
    const pageErrors: string[] = [];
    // The documented screenshots come from one run (SQLite) when asked for.
    const docs = process.env.LCM_SCREENSHOTS === '1' && engine === 'sqlite';

    const shot = async (name: string) => {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `${engine}-${name}.png`), fullPage: true });
      if (docs) {
        fs.mkdirSync(DOCS, { recursive: true });
        await page.screenshot({ path: path.join(DOCS, `${name}.png`), fullPage: true });
      }
    };
    const signIn = async (login: string, password: string) => {
      await page.fill('#login', login);
      await page.fill('#password', password);
      await page.press('#password', 'Enter');
    };
    const searchFor = async (query: string) => {
      await page.fill('#query', query);
      await page.press('#query', 'Enter');
      await page.locator('#search-status').filter({ hasNotText: 'Поиск…' }).filter({ hasText: /\S/ }).waitFor();
    };

    before(async () => {
      assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
      s = await seededApp(engine);
      const created = await createClient(s.t.store, { principal: CASHIER, ...call }, { Phone: 79160000055, Surname: 'Скриптов', Name: XSS_NAME });
      assert.ok('Client' in created && created.ErrorCode === 0, JSON.stringify(created));
      xssClient = created.Client;
      // Some history before the console's own edit: a consent change through the POS.
      assert.deepEqual(await updateClientInTransaction(s.t.store, { principal: CASHIER, ...call }, { Client: 1, AllowEmail: true, PosCode: 'MSK-001' }), { ErrorCode: 0, Message: '' });
      // A webhook nobody answers (the app under test runs no dispatcher): deliveries stay pending.
      await addWebhook(s.t.store.db, { operatorId: 1, url: 'http://127.0.0.1:9/loyalty-hook', secret: 's' });
      base = await s.app.listen({ host: '127.0.0.1', port: 0 });
      profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-chromium-'));
      context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 }, locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
      page = context.pages()[0] ?? (await context.newPage());
      page.on('request', (request) => {
        if (!request.url().startsWith(base)) foreign.push(request.url());
      });
      page.on('pageerror', (err) => pageErrors.push(err.message));
    });

    after(async () => {
      await context?.close();
      if (profile) fs.rmSync(profile, { recursive: true, force: true });
      await s?.close();
    });

    it('serves the page with a CSP that allows no inline script', async () => {
      const res = await page.goto(`${base}/console`);
      assert.equal(res?.status(), 200);
      const headers = res!.headers();
      assert.equal(headers['content-security-policy'], CONSOLE_CSP);
      assert.match(CONSOLE_CSP, /script-src 'self';/);
      assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval/);
      assert.equal(headers['x-content-type-options'], 'nosniff');
      const html = await (await page.request.get(`${base}/console`)).text();
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script element');
      assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handler');
      await page.locator('#sign-in-form').waitFor();
    });

    it('refuses a wrong password with its message', async () => {
      await signIn('cashier', 'wrong');
      await page.locator('#sign-in-error', { hasText: 'Неверный логин или пароль' }).waitFor();
      assert.equal(await page.locator('#search').isHidden(), true);
      assert.deepEqual((await context.cookies()).filter((c) => c.name === REFRESH_COOKIE), []);
    });

    it('signs in; the refresh token is an HttpOnly, SameSite=Strict cookie of /console that scripts cannot read', async () => {
      await signIn('cashier', 'secret');
      await page.locator('#search-form').waitFor();
      assert.equal(await page.locator('#who').innerText(), 'cashier');
      const [cookie] = (await context.cookies()).filter((c) => c.name === REFRESH_COOKIE);
      assert.ok(cookie, 'the refresh cookie is set');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.equal(cookie.path, '/console');
      assert.equal(await page.evaluate(() => document.cookie), '');
      assert.equal(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })), '{}{}');
    });

    it('searches by a phone typed the human way, with Enter', async () => {
      await searchFor('8 916 000-00-01');
      assert.equal(await page.locator('#search-status').innerText(), 'Найдено: 1');
      const result = page.locator('#results li');
      assert.equal(await result.count(), 1);
      const text = await result.innerText();
      assert.match(text, /Петров Иван Сергеевич/);
      assert.match(text, /\+7 916 000-00-01/);
      assert.match(text, /ivan@example\.ru/);
      await shot('search');
    });

    it('opens the participant in one click: every profile field, the history and the consents', async () => {
      await page.click('#results a');
      await page.locator('#client-title', { hasText: 'Петров Иван Сергеевич' }).waitFor();
      const profile = await page.locator('#profile').innerText();
      for (const v of ['Петров', 'Иван', 'Сергеевич', '+7 916 000-00-01', 'ivan@example.ru', '1990-05-15', 'мужской', '1C-0001']) assert.ok(profile.includes(v), v);
      await page.locator('#history li').first().waitFor();
      assert.match(await page.locator('#history > li').first().innerText(), /менеджер cashier \(токен 5001\).*торговую точку MSK-001[\s\S]*Согласие на e-mail: отозвано → дано/);
      assert.match(await page.locator('#consents').innerText(), /Согласие на SMS\s+дано[\s\S]*Согласие на e-mail\s+дано/);
      assert.match(await page.locator('#consent-ledger > li').first().innerText(), /Согласие на e-mail: отозвано → дано/);
      assert.equal(await page.inputValue('#f-Surname'), 'Петров');
    });

    it('changes the surname through ClientUpdate; the new history entry is at the top', async () => {
      await page.fill('#f-Surname', 'Сидоров');
      await page.press('#f-Surname', 'Enter');
      await page.locator('#edit-status', { hasText: 'Изменения сохранены' }).waitFor();
      await page.locator('#client-title', { hasText: 'Сидоров Иван Сергеевич' }).waitFor();
      assert.match(await page.locator('#history > li').first().innerText(), /менеджер cashier \(токен 5001\)[\s\S]*Фамилия: Петров → Сидоров/);
      await page.locator('#deliveries > li:not(.empty)').first().waitFor();
      assert.match(await page.locator('#deliveries > li').first().innerText(), /ожидает доставки · вебхук № \d+ http:\/\/127\.0\.0\.1:9\/loyalty-hook[\s\S]*Поля: Фамилия/);
      assert.equal((await findParticipant(s.t.store.db, 1))?.surname, 'Сидоров');
      await shot('participant');
    });

    it("refuses a phone another participant holds, under Phone, and changes nothing", async () => {
      const historyBefore = await listHistory(s.t.store.db, 1, { limit: 100 });
      await page.fill('#f-Phone', '8 (916) 000-00-02');
      await page.fill('#f-Name', 'Пётр');
      await page.click('#edit-form button[type="submit"]');
      await page.locator('#e-Phone', { hasText: 'Номер телефона уже привязан к другому клиенту' }).waitFor();
      assert.equal(await page.locator('#f-Phone').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#edit-error').innerText(), '');
      const stored = await findParticipant(s.t.store.db, 1);
      assert.equal(stored?.phone, 79160000001);
      assert.equal(stored?.name, 'Иван', 'the request is refused whole');
      assert.equal((await listHistory(s.t.store.db, 1, { limit: 100 })).length, historyBefore.length);
      await shot('refused-edit');
    });

    it('sends the phone as typed: the service reads it, and unreadable text is refused under Phone', async () => {
      const historyBefore = await listHistory(s.t.store.db, 1, { limit: 100 });
      await page.fill('#f-Phone', 'позвонить');
      await page.click('#edit-form button[type="submit"]');
      await page.locator('#e-Phone', { hasText: 'поле Phone' }).waitFor();
      assert.equal(await page.locator('#f-Phone').getAttribute('aria-invalid'), 'true');
      assert.equal((await findParticipant(s.t.store.db, 1))?.phone, 79160000001);
      assert.equal((await listHistory(s.t.store.db, 1, { limit: 100 })).length, historyBefore.length);
    });

    it('moves through the form with Tab, every input labelled', async () => {
      await page.focus('#f-Surname');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-Name');
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll('input, select')].filter((e) => !document.querySelector(`label[for="${e.id}"]`)).map((e) => e.id || e.outerHTML),
      );
      assert.deepEqual(unlabelled, []);
    });

    /** The elements that stick out to the right of the viewport (none, when the page fits). */
    const overflowing = async (width: number) =>
      page.evaluate(
        (w) => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w + 0.5 ).map((e) => `${e.tagName}#${e.id}.${e.className}`),
        width,
      );

    it('fits a 390 px phone screen and a 1280 px one without sideways scrolling', async () => {
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: 844 });
        assert.deepEqual(await overflowing(width), [], `participant page at ${width}`);
        assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= width, `participant page at ${width}`);
      }
      await page.setViewportSize({ width: 390, height: 844 });
      await shot('participant-390');
      await page.goto(`${base}/console#search/${encodeURIComponent('+7 916 000 00 01')}`);
      await page.locator('#results li').first().waitFor();
      assert.deepEqual(await overflowing(390), [], 'search at 390');
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390, 'search at 390');
      await shot('search-390');
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    it('keeps the session over a reload through the cookie, not storage', async () => {
      await page.goto(`${base}/console#client/1`);
      await page.locator('#client-title', { hasText: 'Сидоров Иван Сергеевич' }).waitFor();
    });

    it('shows a name holding markup as text, and runs none of it', async () => {
      await page.goto(`${base}/console#search/${encodeURIComponent('Скриптов')}`);
      await page.locator('#results li').first().waitFor();
      assert.ok((await page.locator('#results a').innerText()).includes(XSS_NAME));
      await page.click('#results a');
      await page.locator('#client-title', { hasText: 'Скриптов' }).waitFor();
      assert.equal(await page.locator('#client-title').innerText(), `Скриптов ${XSS_NAME}`);
      assert.equal(await page.inputValue('#f-Name'), XSS_NAME);
      assert.equal(await page.locator('main script, main img').count(), 0);
      assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
      assert.ok(page.url().endsWith(`#client/${xssClient}`));
    });

    it("signs out, forgetting both tokens; another operator's manager does not find the participant", async () => {
      await page.click('#sign-out');
      await page.locator('#sign-in-form').waitFor();
      assert.deepEqual((await context.cookies()).filter((c) => c.name === REFRESH_COOKIE), []);
      await page.reload();
      await page.locator('#sign-in-form').waitFor();

      await signIn('other', 'other-secret');
      await page.locator('#search-form').waitFor();
      await searchFor('8 916 000-00-01');
      assert.equal(await page.locator('#search-status').innerText(), 'Никого не найдено');
      await page.goto(`${base}/console#client/1`);
      await page.locator('#client-error', { hasText: 'Клиент не найден' }).waitFor();
      assert.equal(await page.locator('#client-body').isHidden(), true);
      assert.equal(await page.locator('#profile dd').count(), 0);
    });

    it('loaded nothing from elsewhere and raised no script error', () => {
      assert.deepEqual(foreign, []);
      assert.deepEqual(pageErrors, []);
    });
  });
}
