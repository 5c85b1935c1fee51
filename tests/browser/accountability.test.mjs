// The scanning page: a pass typed like a handheld scanner types it (keyboard wedge), the
// verdict colours, the offline queue and the resend when the connection returns.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { TEST_TIMEOUT, launchBrowser, login, newPage } from './helpers.mjs';

describe('accountability', () => {
  let browser;
  const contexts = [];
  before(async () => { browser = await launchBrowser(); });
  after(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
  });

  test('scanning a pass: verdicts, offline queue, resend', { timeout: TEST_TIMEOUT }, async () => {
    // The movement officer opens a printed pass valid now (the demo's passes follow its
    // manifests: later departures' are not valid yet) and reads its code.
    const m = await newPage(browser);
    contexts.push(m.context);
    await login(m.page, 'movement');
    await m.page.goto('/accountability/passes');
    const href = await m.page.locator('tr[data-status="live"] td.id a').first().getAttribute('href');
    await m.page.goto(href);
    const token = (await m.page.locator('#pass-token').textContent()).trim();
    assert.ok(token.length > 100);

    const { context, page, errors } = await newPage(browser);
    contexts.push(context);
    await login(page, 'checkpoint');
    await page.goto('/accountability/scan');
    await page.waitForFunction(() => document.getElementById('scan-queue').dataset.waiting === '0');
    // Keyboard wedge: the code and Enter into the focused input.
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /verdict-(green|amber)/.test(document.getElementById('verdict').className)
      && !document.querySelector('.verdict-why').textContent.includes('checking'));
    assert.match(await page.locator('.verdict-heads').textContent(), /person|Household/);
    // Focus stays on the input for the next scan.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'scan-code');

    // A forged pass: red, with the reason.
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await page.keyboard.type(forged);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('verdict').className.includes('verdict-red'));
    assert.match(await page.locator('.verdict-why').textContent(), /forged or altered/);

    // Offline: checked on the device, queued, counted.
    await context.setOffline(true);
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('scan-queue').dataset.waiting === '1');
    // The queue count and the verdict's words are set by two steps: wait for the words too.
    await page.waitForFunction(() => /offline/.test(document.querySelector('.verdict-why').textContent));
    assert.match(await page.locator('.verdict-why').textContent(), /offline/);
    // Back online: the waiting scan is sent once.
    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.waitForFunction(() => document.getElementById('scan-queue').dataset.waiting === '0', null, { timeout: 20_000 });
    assert.deepEqual(errors, []);
  });

  test('head-counts update without reloading the page', { timeout: TEST_TIMEOUT }, async () => {
    const v = await newPage(browser);
    contexts.push(v.context);
    await login(v.page, 'viewer');
    await v.page.goto('/accountability');
    const count = () => v.page.evaluate(() => Number(document.querySelector('[data-hc="scans_total"]').textContent.replace(/[^0-9]/g, '')));
    const before = await count();
    const navigations = [];
    v.page.on('framenavigated', (f) => { if (f === v.page.mainFrame()) navigations.push(f.url()); });

    // Meanwhile a checkpoint agent scans a pass valid now.
    const m = await newPage(browser);
    contexts.push(m.context);
    await login(m.page, 'movement');
    await m.page.goto('/accountability/passes');
    await m.page.goto(await m.page.locator('tr[data-status="live"] td.id a').first().getAttribute('href'));
    const token = (await m.page.locator('#pass-token').textContent()).trim();
    const a = await newPage(browser);
    contexts.push(a.context);
    await login(a.page, 'checkpoint');
    await a.page.goto('/accountability/scan?checkpoint=rally');
    await a.page.waitForFunction(() => document.getElementById('scan-queue').dataset.waiting === '0');
    await a.page.keyboard.type(token);
    await a.page.keyboard.press('Enter');
    await a.page.waitForFunction(() => /verdict-(green|amber)/.test(document.getElementById('verdict').className)
      && !document.querySelector('.verdict-why').textContent.includes('checking'));

    // The viewer's page shows the new scan within a poll (10 s), without reloading.
    await v.page.waitForFunction((b) => Number(document.querySelector('[data-hc="scans_total"]').textContent.replace(/[^0-9]/g, '')) > b, before, { timeout: 25_000 });
    assert.ok((await count()) > before);
    assert.deepEqual(navigations, [], 'the head-count page did not reload');
    assert.deepEqual(v.errors, []);
    assert.deepEqual(a.errors, []);
  });
});
