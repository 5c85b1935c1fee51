// Movement: the departures board and its charts, a plan with who is left and why and its bound,
// a household's readiness, the manifest editor (a move by hand with its rule warning, pin,
// confirm) and a manifest's CSV export. Runs against a private demo: plans, moves and confirmed
// manifests would change what other files' tests find on the shared one.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  TEST_TIMEOUT,
  assertNoPageErrors,
  launchBrowser,
  login,
  newPageAt,
  pathOf,
  startPrivateDemo,
  submitAndWait,
} from './helpers.mjs';

/** The board's rows: id, seats, taken, people, status, manifest. */
async function boardRows(page) {
  await page.goto('/movement');
  return page.$$eval('#departures tbody tr', (rows) => rows.map((tr) => {
    const td = tr.querySelectorAll('td');
    const num = (i) => Number(td[i].textContent.replace(/[^0-9]/g, ''));
    const status = td[9].querySelector('select')?.value ?? td[9].textContent.trim();
    return { id: td[0].textContent.trim(), seats: num(6), taken: num(7), people: num(8), status, manifest: td[10].textContent.trim() };
  }));
}

describe('movement', () => {
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

  test('the board, its charts and today at the scenario time', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, errors } = await newPageAt(browser, demo.url);
    await login(page, 'movement');
    assert.equal(pathOf(page), '/');
    // The dashboard counts the departures of the post's today: 15 August 2021 in the demo.
    const card = await page.locator('section[aria-labelledby="c-departures"]').innerText();
    assert.match(card, /today, 15 Aug 2021/);
    assert.notEqual((await page.locator('section[aria-labelledby="c-departures"] .big').innerText()).trim(), '0');

    const rows = await boardRows(page);
    assert.ok(rows.length >= 20, `the demo's departures: ${rows.length}`);
    assert.ok(rows.some((r) => r.taken > 0 && r.people >= r.taken), 'manifests planned, lap infants take no seat');
    assert.match(await page.locator('#today').innerText(), /Today, 15 Aug 2021/);
    // Two charts, drawn on the server, with their numbers for screen readers.
    const charts = page.locator('.movement-charts svg[role="img"]');
    assert.equal(await charts.count(), 2);
    const titles = await page.$$eval('.movement-charts svg title', (els) => els.map((e) => e.textContent));
    assert.ok(titles.some((t) => /Seat use per day/.test(t)), titles.join(' | '));
    assert.ok(titles.some((t) => /People manifested per day and tier/.test(t)), titles.join(' | '));
    assert.match(await page.locator('.movement-charts').innerText(), /2021-08-15 \(today\)/);
    assertNoPageErrors(errors);
    await context.close();
  });

  test('planning all open departures shows who moved, who is left and why, and the bound', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, errors } = await newPageAt(browser, demo.url);
    await login(page, 'movement');
    await page.goto('/movement');
    // The gate's rate and the holding area, as the officer knows them today.
    await page.fill('#plan-form input[name="gate_per_hour"]', '25');
    await page.fill('#plan-form input[name="holding"]', '150');
    await submitAndWait(page, '#plan-now');
    assert.match(pathOf(page), /^\/movement\/plans\/[0-9a-f-]+$/);
    assert.match(await page.locator('.lead').innerText(), /gate 25 people\/hour, holding 150 people/);
    assert.ok(Number((await page.locator('#moved-people').innerText()).replace(/[^0-9]/g, '')) > 0);
    const bound = await page.locator('section.card', { hasText: 'Objective and bound' }).innerText();
    assert.match(bound, /objective \d+ · bound \d+/);
    assert.match(bound, /\d+\.\d\d %/);
    // Households left are counted by reason, and each one left says why.
    const reasons = await page.locator('section[aria-labelledby="h-why"] tbody tr').allInnerTexts();
    assert.ok(reasons.length > 0 && !/Everyone was placed/.test(reasons[0]), reasons.join(' | '));
    const left = await page.$$eval('#outcomes tbody tr', (rows) => rows
      .map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()))
      .filter((c) => c[4] === 'left' || c[4] === 'removed'));
    assert.ok(left.length > 0, 'the demo leaves some households (documents not ready)');
    assert.ok(left.every((c) => c[7].length > 0), 'each left household has its reason');
    assert.ok(left.some((c) => c[7] === 'documents not ready'));
    assertNoPageErrors(errors);
    await context.close();
  });

  test('readiness, a move by hand with its warning, pin, confirm and the CSV export', { timeout: TEST_TIMEOUT * 2 }, async () => {
    const { context, page, errors } = await newPageAt(browser, demo.url);
    await login(page, 'movement');
    // Two open departures of later days, the first with households on it.
    const open = (await boardRows(page)).filter((r) => r.manifest === 'open' && r.status === 'planned');
    const from = open.find((r) => r.people > 0);
    const to = open.filter((r) => r.id !== from.id).at(-1);
    assert.ok(from && to, 'two open departures');

    await page.goto(`/movement/departures/${from.id}`);
    const unit = await page.locator('#manifest tbody tr[data-unit]').first().getAttribute('data-unit');

    // Its documents are not ready yet: recorded on the household's page.
    await page.click(`#manifest a[href="/movement/manifest/${unit}"]`);
    await page.waitForURL(`**/movement/manifest/${unit}`);
    await page.selectOption('#readiness-form select[name="documents_ready"]', 'no');
    await page.fill('#readiness-form input[name="deadline"]', '2021-08-01 00:00');
    await page.fill('#readiness-form input[name="ready_at"]', '2021-08-10 00:00');
    await submitAndWait(page, '#readiness-form button[type="submit"]');
    // A deadline before readiness is refused, the field named, the form kept.
    assert.match(await page.locator('.flash.error').innerText(), /deadline 2021-08-01T00:00:00Z: it must be after/);
    assert.equal(await page.inputValue('#readiness-form input[name="ready_at"]'), '2021-08-10 00:00');
    await page.fill('#readiness-form input[name="deadline"]', '');
    await page.fill('#readiness-form input[name="ready_at"]', '');
    await submitAndWait(page, '#readiness-form button[type="submit"]');
    assert.match(await page.locator('.flash').first().innerText(), /Readiness saved/);
    assert.match(await page.locator('#readiness').innerText(), /documents not ready/);

    // Moved by hand onto the other departure: done, pinned, and the rule it breaks is shown.
    await page.goto(`/movement/departures/${from.id}`);
    const row = page.locator(`#manifest tr[data-unit="${unit}"]`);
    await row.locator('input[name="departure"]').fill(to.id);
    await submitAndWait(page, `#manifest tr[data-unit="${unit}"] form[action$="/move"] button`);
    // Back on the editor it was moved from, with the warning; then on its new departure.
    assert.equal(pathOf(page), `/movement/departures/${from.id}`);
    assert.match(await page.locator('#rule-warning').innerText(), /breaks a rule: .*documents not ready/);
    assert.equal(await page.locator(`#manifest tr[data-unit="${unit}"]`).count(), 0);
    await page.goto(`/movement/departures/${to.id}`);
    const moved = page.locator(`#manifest tr[data-unit="${unit}"]`);
    assert.match(await moved.innerText(), /hand/);
    assert.match(await moved.innerText(), /documents not ready/);
    // Pinned by the move: unpin, pin again.
    await submitAndWait(page, `#manifest tr[data-unit="${unit}"] button[aria-label="Unpin ${unit}"]`);
    await submitAndWait(page, `#manifest tr[data-unit="${unit}"] button[aria-label="Pin ${unit}"]`);
    assert.equal(await page.locator(`#manifest tr[data-unit="${unit}"] button[aria-label="Unpin ${unit}"]`).count(), 1);

    // Confirmed: the planner leaves it alone, the editor offers to reopen it.
    await submitAndWait(page, '#confirm-manifest');
    assert.match(await page.locator('h1').innerText(), /manifest confirmed/);
    assert.equal(await page.locator('button[name="manifest"][value="open"]').count(), 1);

    // The CSV export: one row a person, the advance passenger information columns, this departure.
    const people = Number((await page.locator('#people').innerText()).replace(/[^0-9]/g, ''));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    assert.equal(download.suggestedFilename(), `manifest-${to.id}.csv`);
    const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
    assert.equal(csv[0], 'departure_id,household,seq,family_name,given_names,date_of_birth,sex,nationality,document_number,document_expiry,lap_infant,priority,head_of_household');
    assert.equal(csv.length - 1, people, 'one row a person');
    assert.ok(csv.slice(1).every((l) => l.startsWith(`${to.id},`)));
    assert.ok(csv.slice(1).some((l) => l.split(',')[1] === unit), 'the moved household is on it');
    assert.ok(csv.slice(1).every((l) => !/,[=+\-@]/.test(l)), 'no cell starts a formula');
    assertNoPageErrors(errors);
    await context.close();
  });
});
