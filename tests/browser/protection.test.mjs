// The two-person wipe, in two browsers at once, on a private demo server (a wipe ends the
// deployment, so it must not touch the shared one).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  TEST_TIMEOUT,
  assertNoPageErrors,
  launchBrowser,
  login,
  newPageAt,
  startPrivateDemo,
  submitAndWait,
} from './helpers.mjs';

describe('protection', () => {
  let browser;
  let demo;

  before(async () => {
    demo = await startPrivateDemo();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  test('a wipe needs a second authority, then personal data is gone', { timeout: TEST_TIMEOUT * 2 }, async () => {
    const first = await newPageAt(browser, demo.url);
    const second = await newPageAt(browser, demo.url);
    const registrar = await newPageAt(browser, demo.url);

    // The registry is readable before.
    await login(registrar.page, 'registrar');
    let r = await registrar.page.goto('/people');
    assert.equal(r.status(), 200);
    assert.ok((await registrar.page.locator('tbody tr').count()) > 0, 'the registry lists people');

    // wipe1 requests; a typo in the confirmation is refused and changes nothing.
    await login(first.page, 'wipe1');
    await first.page.goto('/protection');
    await first.page.fill('form[action="/protection/wipe"] input[name=confirm]', 'wipe');
    await submitAndWait(first.page, 'form[action="/protection/wipe"] button[type=submit]');
    assert.match(await first.page.locator('[role=alert]').innerText(), /type WIPE/);
    await first.page.fill('form[action="/protection/wipe"] input[name=confirm]', 'WIPE');
    await submitAndWait(first.page, 'form[action="/protection/wipe"] button[type=submit]');
    assert.match(await first.page.locator('main').innerText(), /waits for a second wipe authority/);
    // The requester has no confirm button of their own.
    assert.equal(await first.page.locator('form[action="/protection/wipe/confirm"]').count(), 0);

    // wipe2 sees the request, in their own session, and confirms it.
    await login(second.page, 'wipe2');
    await second.page.goto('/protection');
    assert.match(await second.page.locator('main').innerText(), /wipe1 requested a wipe/);
    await second.page.fill('form[action="/protection/wipe/confirm"] input[name=confirm]', 'WIPE');
    await submitAndWait(second.page, 'form[action="/protection/wipe/confirm"] button[type=submit]');
    assert.match(await second.page.locator('.banner-wiped').innerText(), /WIPED/);

    // Everyone now sees the wiped state, and the registry answers 410.
    r = await registrar.page.goto('/people');
    assert.equal(r.status(), 410);
    assert.match(await registrar.page.locator('h1').innerText(), /Wiped/);
    r = await registrar.page.goto('/');
    assert.equal(r.status(), 200);
    assert.match(await registrar.page.locator('.banner-wiped').innerText(), /unrecoverable/);

    for (const p of [first, second, registrar]) {
      assertNoPageErrors(p.errors);
      await p.context.close();
    }
  });
});
