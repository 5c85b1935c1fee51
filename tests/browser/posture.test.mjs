// Posture: record an event, watch a tripwire cross on the dashboard, declare a posture with a
// rationale, tick a checklist task; the provinces on the map; levels and checklists edited;
// a tripwire retired; a task ticked by its owner role. Runs against a private demo (it changes
// the posture, which every dashboard shows).

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

    // The map is drawn from embedded data: the 34 provinces filled by the status of their
    // capitals, the capital and the airport marked; the slider moves it through the days.
    await page.goto('/posture/timeline?at=2021-08-11');
    const map = page.locator('figure.posture-map svg');
    assert.equal(await map.locator('path.map-province').count(), 34);
    assert.ok(await map.locator('g.map-taken').count() >= 8, 'eight capitals had fallen by the end of 10 August');
    const takenOn11 = await map.locator('path.map-province.province-taken').count();
    assert.ok(takenOn11 >= 8, `${takenOn11} provinces taken by 11 August`);
    assert.match(await map.locator('path.map-province.province-taken title').first().textContent(), /province \(capital .+\): taken \(hostile-held\)/);
    assert.match(await map.locator('path.map-province', { hasText: 'Herat province' }).getAttribute('class'), /province-held/);
    assert.match(await map.innerHTML(), /Kabul/);
    assert.match(await map.innerHTML(), /HKIA/);
    // The same in a table for screen readers (visually hidden), and the source in the legend.
    assert.equal(await page.locator('table.province-status tbody tr').count(), 34);
    assert.match(await page.locator('figure.posture-map figcaption').innerText(), /Natural Earth/);
    const box = await map.locator('path.map-province').first().boundingBox();
    assert.ok(box && box.width > 5 && box.height > 5, 'provinces are areas, not points');
    // A later day on the slider: more provinces have fallen (Herat on 12 August).
    await page.goto('/posture/timeline?at=2021-08-13 12:00');
    assert.ok(await map.locator('path.map-province.province-taken').count() > takenOn11);
    assert.match(await map.locator('path.map-province', { hasText: 'Herat province' }).getAttribute('class'), /province-taken/);
    if (SCREENSHOTS) await screenshot(page, 'screenshot-posture-map.png');

    assertNoPageErrors(errors);
    await context.close();
  });

  test('the committee adds a level, renames one and edits its checklist', { timeout: TEST_TIMEOUT * 2 }, async () => {
    const { context, page, errors } = await newPageAt(browser, demo.url);
    await login(page, 'committee');
    await page.goto('/posture/levels');
    const levelsBefore = await page.locator('section.level').count();

    // A name already taken is refused inline and nothing is added.
    await page.fill('#level-form input[name="name"]', 'Heightened');
    await submitAndWait(page, '#level-form button[type="submit"]');
    assert.match(await page.locator('#levels-error').innerText(), /already a level called 'heightened'/);
    assert.equal(await page.locator('#level-form input[name="name"]').inputValue(), 'Heightened', 'what was typed is kept');
    assert.equal(await page.locator('section.level').count(), levelsBefore);

    // A new level above "heightened".
    await page.fill('#level-form input[name="name"]', 'reduced staffing');
    await page.fill('#level-form input[name="description"]', 'Some non-emergency staff leave.');
    await page.selectOption('#level-form select[name="after"]', { label: 'heightened' });
    await submitAndWait(page, '#level-form button[type="submit"]');
    assert.match(await page.locator('.flash.ok').innerText(), /Level saved/);
    assert.equal(await page.locator('section.level').count(), levelsBefore + 1);
    const names = await page.locator('section.level .level-name').allInnerTexts();
    assert.deepEqual(names.slice(0, 4), ['normal', 'heightened', 'reduced staffing', 'authorized departure']);

    // Its checklist: a task added, then changed.
    const level = page.locator('section.level', { hasText: 'reduced staffing' });
    await level.locator('details.add-task summary').click();
    await level.locator('details.add-task input[name="task"]').fill('List staff who may leave');
    await level.locator('details.add-task select[name="owner_role"]').selectOption('committee');
    await level.locator('details.add-task input[name="due_hours"]').fill('36');
    await Promise.all([page.waitForEvent('load'), level.locator('details.add-task button[type="submit"]').click()]);
    assert.match(await page.locator('.flash.ok').innerText(), /Task added/);
    assert.match(await level.locator('ul.level-tasks').innerText(), /List staff who may leave — committee, within 36 h/);
    await level.locator('details.edit-task summary').first().click();
    await level.locator('details.edit-task input[name="task"]').first().fill('Book seats for staff who leave');
    await level.locator('details.edit-task select[name="owner_role"]').first().selectOption('movement');
    await Promise.all([page.waitForEvent('load'), level.locator('details.edit-task button[type="submit"]').first().click()]);
    assert.match(await page.locator('.flash.ok').innerText(), /Checklist task saved/);
    assert.match(await level.locator('ul.level-tasks').innerText(), /Book seats for staff who leave — movement, within 36 h/);

    // A level renamed and described.
    const normal = page.locator('section.level', { hasText: 'Normal operations.' });
    await normal.locator('details.edit-level summary').click();
    await normal.locator('details.edit-level input[name="name"]').fill('routine');
    await normal.locator('details.edit-level input[name="description"]').fill('Routine operations.');
    await Promise.all([page.waitForEvent('load'), normal.locator('details.edit-level button[type="submit"]').click()]);
    assert.match(await page.locator('section.level').first().innerText(), /0\. routine[\s\S]*Routine operations\./);
    // The declare form offers the levels by their new names.
    await page.goto('/posture');
    const options = await page.locator('form[action="/posture/declare"] select[name="level"] option').allInnerTexts();
    assert.ok(options.includes('routine') && options.includes('reduced staffing'), options.join(', '));
    if (SCREENSHOTS) await screenshot(page, 'screenshot-posture-levels.png');
    assertNoPageErrors(errors);
    await context.close();
  });

  test('the committee retires a tripwire; it stays on the record', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, errors } = await newPageAt(browser, demo.url);
    await login(page, 'committee');
    await page.goto('/posture/tripwires');
    const row = page.locator('tr', { hasText: 'Airport no longer open' });
    await row.locator('details summary').click();
    await Promise.all([page.waitForEvent('load'), row.locator('form.retire-form button').click()]);
    assert.match(await page.locator('.flash.ok').innerText(), /Tripwire retired/);
    assert.equal(await page.locator('table.sortable tr', { hasText: 'Airport no longer open' }).count(), 0, 'no longer among those evaluated');
    assert.match(await page.locator('#retired-tripwires').innerText(), /Airport no longer open[\s\S]*by committee/);
    assertNoPageErrors(errors);
    await context.close();
  });

  test('a task is ticked off by a holder of its owner role, not by another role', { timeout: TEST_TIMEOUT }, async () => {
    const task = 'Reduce holdings to the emergency-destruction level';
    const m = await newPageAt(browser, demo.url);
    await login(m.page, 'movement');
    await m.page.goto('/posture/tasks');
    assert.equal(await m.page.locator('#checklist tr', { hasText: task }).count(), 0, 'not the movement officer\'s task');
    await m.context.close();

    const { context, page, errors } = await newPageAt(browser, demo.url);
    await login(page, 'destruction');
    // The dashboard points the owner to their tasks.
    await page.locator('section[aria-labelledby="c-posture"] a[href="/posture/tasks"]').click();
    await page.waitForURL('**/posture/tasks');
    const row = page.locator('#checklist tbody tr', { hasText: task });
    assert.match(await row.innerText(), /overdue/);
    await Promise.all([page.waitForEvent('load'), row.locator('button', { hasText: 'Tick off' }).click()]);
    assert.match(await page.locator('.flash.ok').innerText(), /Task ticked off/);
    assert.match(await page.locator('#checklist tbody tr', { hasText: task }).innerText(), /by destruction/);
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
