// Posture: record an event, watch a tripwire cross on the dashboard, declare a posture with a
// rationale, tick a checklist task. Runs against a private demo (it changes the posture, which
// every dashboard shows).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  SCREENSHOTS,
  TEST_TIMEOUT,
  assertNoPageErrors,
  launchBrowser,
  login,
  newPageAt,
  pathOf,
  screenshot,
  startPrivateDemo,
  submitAndWait,
} from './helpers.mjs';

describe('posture', () => {
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

  test('the committee records an event, sees the tripwire cross, declares, ticks a task', { timeout: TEST_TIMEOUT * 2 }, async () => {
    const { context, page, errors } = await newPageAt(browser, demo.url);
    await login(page, 'committee');
    assert.equal(pathOf(page), '/');

    // The demo post sits where it sat on 14 August 2021.
    const card = page.locator('section[aria-labelledby="c-posture"]');
    assert.match(await card.innerText(), /core presence/i);
    assert.doesNotMatch(await card.innerText(), /Commercial flights suspended/);

    // A bad event is refused with the field named, and nothing is recorded.
    await page.goto('/posture/log');
    const before = await page.locator('#situation-log tbody tr').count();
    await page.selectOption('#event-form select[name="kind"]', 'place_taken');
    await page.fill('#event-form input[name="place"]', 'Atlantis');
    await page.fill('#event-form input[name="source"]', 'browser test');
    await submitAndWait(page, '#event-form button[type="submit"]');
    assert.match(await page.locator('.flash.error').innerText(), /place: 'Atlantis' is not in the gazetteer/);
    assert.equal(await page.locator('#situation-log tbody tr').count(), before);

    // Record: commercial flights suspended.
    await page.selectOption('#event-form select[name="kind"]', 'commercial_flights_suspended');
    await page.fill('#event-form input[name="place"]', '');
    await page.fill('#event-form input[name="source"]', 'RSO (browser test)');
    await page.selectOption('#event-form select[name="confidence"]', 'high');
    await submitAndWait(page, '#event-form button[type="submit"]');
    assert.match(await page.locator('.flash.ok').innerText(), /Recorded/);
    assert.equal(await page.locator('#situation-log tbody tr').count(), before + 1);

    // The dashboard shows the crossed tripwire at once, with its facts.
    await page.goto('/');
    const text = await card.innerText();
    assert.match(text, /Tripwire crossed: Commercial flights suspended/);
    assert.match(text, /recommends suspended/);
    assert.match(text, /commercial flights suspended, \d{4}-\d{2}-\d{2} \(RSO \(browser test\), high\)/);
    if (SCREENSHOTS) await screenshot(page, 'screenshot-posture-dashboard.png');

    // Declare the posture with a rationale: the decision items it answers close.
    await page.goto('/posture');
    assert.ok(await page.locator('article.posture-item').count() >= 1, 'decision items are open');
    await page.selectOption('form[action="/posture/declare"] select[name="level"]', 'suspended');
    await page.fill('form[action="/posture/declare"] input[name="attendees"]', 'Chief of Mission, DCM, RSO');
    await page.fill('form[action="/posture/declare"] textarea[name="rationale"]', 'Commercial flights suspended: relocate to the airport.');
    await submitAndWait(page, 'form[action="/posture/declare"] button[type="submit"]');
    assert.match(await page.locator('.flash.ok').innerText(), /Posture declared/);
    assert.match(await page.locator('#posture-level').innerText(), /suspended/i);
    assert.equal(await page.locator('article.posture-item').count(), 0, 'no decision is awaited any more');
    if (SCREENSHOTS) await screenshot(page, 'screenshot-posture.png');

    // The decision is on the timeline with its rationale.
    await page.goto('/posture/timeline');
    assert.match(await page.locator('article.decision').first().innerText(), /Declared suspended[\s\S]*relocate to the airport/);

    // Tick a checklist task of the new posture: who and when are recorded.
    await page.goto('/posture/levels');
    const row = page.locator('#checklist tbody tr', { hasText: 'Destroy every remaining sensitive holding' });
    await Promise.all([page.waitForEvent('load'), row.locator('button', { hasText: 'Tick off' }).click()]);
    assert.match(await page.locator('.flash.ok').innerText(), /Task ticked off/);
    assert.match(await page.locator('#checklist tbody tr', { hasText: 'Destroy every remaining sensitive holding' }).innerText(), /by committee/);
    // Tasks of 2021 not done are overdue and stand out.
    assert.ok(await page.locator('#checklist tr.overdue').count() > 0);

    // The map is drawn from embedded data, with the capital and the airport marked.
    await page.goto('/posture/timeline?at=2021-08-11');
    const map = page.locator('figure.posture-map svg');
    assert.ok(await map.locator('g.map-taken').count() >= 8, 'eight capitals had fallen by the end of 10 August');
    assert.match(await map.innerHTML(), /Kabul/);
    assert.match(await map.innerHTML(), /HKIA/);

    assertNoPageErrors(errors);
    await context.close();
  });

  test('a viewer reads posture but cannot change it; a wrong tripwire is explained inline', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, errors } = await newPageAt(browser, demo.url);
    await login(page, 'viewer');
    await page.goto('/posture');
    assert.equal(await page.locator('form[action="/posture/declare"]').count(), 0);
    await context.close();

    const c = await newPageAt(browser, demo.url);
    await login(c.page, 'committee');
    await c.page.goto('/posture/tripwires');
    await c.page.fill('#tripwire-form input[name="name"]', 'Typo');
    await c.page.fill('#tripwire-form input[name="condition"]', 'capitals_fell >= 50');
    await submitAndWait(c.page, '#tripwire-form button[type="submit"]');
    const err = await c.page.locator('#tripwire-error').innerText();
    assert.match(err, /at column 1: 'capitals_fell' is not a measure \(did you mean capitals_fallen\?\)/);
    assert.equal(await c.page.locator('#tripwire-form input[name="condition"]').inputValue(), 'capitals_fell >= 50', 'what was typed is kept');
    assertNoPageErrors(errors);
    assertNoPageErrors(c.errors);
    await c.context.close();
  });
});
