// Sign-in, sign-out, roles. Runs against a `drawdown demo` at DRAWDOWN_URL (see helpers.mjs).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  SCREENSHOTS,
  TEST_TIMEOUT,
  assertNoPageErrors,
  launchBrowser,
  login,
  logout,
  newPage,
  pathOf,
  screenshot,
  sessionCookie,
} from './helpers.mjs';

const NAV_SECTIONS = [
  'Dashboard',
  'Posture',
  'People',
  'Movement',
  'Accountability',
  'Alerts',
  'Destruction',
  'Protection',
];

describe('authentication', () => {
  let browser;
  const contexts = [];

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
  });

  async function open() {
    const opened = await newPage(browser);
    contexts.push(opened.context);
    return opened;
  }

  test('admin logs in, sees the dashboard and every section, logs out', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, errors } = await open();

    await login(page, 'admin');
    assert.equal(pathOf(page), '/', `after login the browser is on ${page.url()}`);
    assert.match(await page.locator('h1').first().innerText(), /Dashboard/);
    assert.ok(await sessionCookie(context), 'a dd_session cookie is set after login');

    const links = (await page.locator('nav a').allInnerTexts()).map((t) => t.trim());
    for (const section of NAV_SECTIONS) {
      assert.ok(
        links.some((text) => text.includes(section)),
        `the nav has a link "${section}" (links: ${JSON.stringify(links)})`,
      );
    }

    await logout(page);
    assert.equal(pathOf(page), '/login', `after logout the browser is on ${page.url()}`);
    await page.locator('input[name=password]').waitFor({ state: 'visible' });

    // The session is really gone: the dashboard sends us back to the login page.
    await page.goto('/');
    assert.equal(pathOf(page), '/login', `after logout, / led to ${page.url()}`);

    assertNoPageErrors(errors);
  });

  test('a wrong password is refused with a message and no session', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, errors } = await open();

    await login(page, 'admin', 'wrong-password');
    assert.equal(pathOf(page), '/login', `after a failed login the browser is on ${page.url()}`);
    const alert = page.locator('[role=alert]');
    await alert.first().waitFor({ state: 'visible' });
    assert.match(await alert.first().innerText(), /Wrong username or password/);
    assert.equal(await sessionCookie(context), undefined, 'no dd_session cookie after a failed login');

    assertNoPageErrors(errors);
  });

  test('a viewer is not permitted to manage users', { timeout: TEST_TIMEOUT }, async () => {
    const { page, errors } = await open();

    await login(page, 'viewer');
    assert.equal(pathOf(page), '/', `after login the browser is on ${page.url()}`);

    const response = await page.goto('/admin/users');
    assert.ok(response, 'GET /admin/users answered');
    assert.equal(response.status(), 403);
    assert.match(await page.locator('h1').first().innerText(), /Not permitted/);

    assertNoPageErrors(errors);
  });

  test('an administrator sees the list of users', { timeout: TEST_TIMEOUT }, async () => {
    const { page, errors } = await open();

    await login(page, 'admin');
    const response = await page.goto('/admin/users');
    assert.ok(response, 'GET /admin/users answered');
    assert.equal(response.status(), 200);
    const row = page.locator('table tr', { hasText: 'registrar' });
    assert.ok((await row.count()) >= 1, 'the users table has a row for "registrar"');

    assertNoPageErrors(errors);
  });

  test(
    'screenshot of the dashboard for the README',
    { timeout: TEST_TIMEOUT, skip: SCREENSHOTS ? false : 'set DRAWDOWN_SCREENSHOT=1 to write docs/screenshot-dashboard.png' },
    async (t) => {
      const { page, errors } = await open();

      await login(page, 'admin');
      assert.equal(pathOf(page), '/');
      await page.waitForLoadState('networkidle');
      const path = await screenshot(page, 'screenshot-dashboard.png');
      t.diagnostic(`wrote ${path}`);

      assertNoPageErrors(errors);
    },
  );
});
