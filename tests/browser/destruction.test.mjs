// Destruction: record a destruction, confirm it as the witness in a second browser context
// (the two-person rule), download the certificate, and see the burn-down move.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  SCREENSHOTS,
  TEST_TIMEOUT,
  assertNoPageErrors,
  launchBrowser,
  login,
  newPage,
  screenshot,
  submitAndWait,
} from './helpers.mjs';

/** kg of classified paper left, as the "What is left, by kind" table shows it. */
async function paperLeft(page) {
  const text = await page.locator('#kinds-left td[data-kind="classified_paper"]').innerText();
  return Number(text.replace(/[^0-9.]/g, ''));
}

describe('destruction', () => {
  let browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  test('record, witness in another session, certificate, burn-down', { timeout: TEST_TIMEOUT * 2 }, async () => {
    const officer = await newPage(browser);
    const witness = await newPage(browser);

    await login(officer.page, 'destruction');
    let r = await officer.page.goto('/destruction');
    assert.equal(r.status(), 200);
    assert.ok(await officer.page.locator('figure svg').count() > 0, 'the burn-down chart is drawn');
    const chartBefore = await officer.page.locator('figure').first().innerHTML();
    const before = await paperLeft(officer.page);

    // Record 25 kg of the political section's files burnt in Firebox 1.
    const form = officer.page.locator('#record-form');
    const holding = await form.locator('select[name=holding] option', { hasText: 'Political section files' }).first().getAttribute('value');
    await form.locator('select[name=holding]').selectOption(holding);
    await form.locator('input[name=quantity]').fill('25');
    await form.locator('select[name=method]').selectOption('burn');
    const firebox = await form.locator('select[name=device] option', { hasText: 'Firebox 1' }).first().getAttribute('value');
    await form.locator('select[name=device]').selectOption(firebox);
    await submitAndWait(officer.page, '#record-form button[type=submit]');
    assert.match(await officer.page.locator('.flash').innerText(), /Destruction recorded/);
    const number = (await officer.page.locator('#ledger tbody tr').first().locator('td').first().innerText()).trim();
    assert.match(number, /^D-\d{6}$/);
    // The operator cannot confirm their own record.
    const ownRow = officer.page.locator('#pending-records tbody tr', { hasText: number });
    assert.match(await ownRow.innerText(), /another person must witness/);
    assert.equal(await ownRow.locator('button').count(), 0);

    // The burn-down moved at once.
    assert.equal(await paperLeft(officer.page), before - 25);
    assert.notEqual(await officer.page.locator('figure').first().innerHTML(), chartBefore, 'the chart changed');

    // A committee member confirms it in their own session.
    await login(witness.page, 'committee');
    await witness.page.goto('/destruction');
    const row = witness.page.locator('#pending-records tbody tr', { hasText: number });
    await submitAndWait(witness.page, `#pending-records button:has-text("I witnessed ${number}")`);
    assert.match(await witness.page.locator('.flash').innerText(), /Witnessed/);
    assert.equal(await row.count(), 0, 'no longer pending');

    // The certificate downloads as a PDF.
    const link = witness.page.locator('#ledger a', { hasText: number });
    const [download] = await Promise.all([witness.page.waitForEvent('download'), link.click()]);
    assert.match(download.suggestedFilename(), new RegExp(`certificate-${number}\\.pdf`));
    const stream = await download.createReadStream();
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const pdf = Buffer.concat(chunks);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');

    // The ledger names the witness.
    await officer.page.goto('/destruction');
    const done = officer.page.locator('#ledger tbody tr', { hasText: number });
    assert.match(await done.innerText(), /committee/);
    if (SCREENSHOTS) await screenshot(officer.page, 'screenshot-destruction.png');

    assertNoPageErrors(officer.errors);
    assertNoPageErrors(witness.errors);
    await officer.context.close();
    await witness.context.close();
  });
});
