// The registry's first slice, against the shared demo: a registrar adds a person and finds
// them again by exact name; a typed form with an error keeps what was typed.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { TEST_TIMEOUT, assertNoPageErrors, launchBrowser, login, newPage, submitAndWait } from './helpers.mjs';

describe('registry', () => {
  let browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  test('a registrar imports a list: dry run, corrected mapping, progress, the new people', { timeout: TEST_TIMEOUT * 2 }, async () => {
    const { context, page, errors } = await newPage(browser);
    await login(page, 'registrar');
    await page.goto('/people/import');
    const list = `Browser list ${Date.now()}`;
    const csv = 'Case ID,Name,Surname,Notes to self\nb-1,Hamida,Browserzai,ok\nb-2,Wahid,Browserzai,ok\n';
    await page.fill('input[name=source]', list);
    await page.setInputFiles('input[name=file]', { name: 'partner.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await submitAndWait(page, 'form[enctype="multipart/form-data"] button[type=submit]');
    assert.match(await page.locator('h1').innerText(), /Check the import/);
    assert.match(await page.locator('main').innerText(), /Added\s+2/);
    // The notes column is not a registry field: leave it out, check again, then import.
    const notes = page.locator('select[aria-label="Field for Notes to self"]');
    await notes.selectOption('');
    await submitAndWait(page, 'button[value=check]');
    assert.equal(await page.locator('select[aria-label="Field for Notes to self"]').inputValue(), '');
    await submitAndWait(page, 'button[value=commit]');
    // The progress page refreshes itself until the job is done.
    await page.waitForSelector('text=imported', { timeout: 60_000 });
    await page.goto(`/people?source=${encodeURIComponent(list)}`);
    assert.equal(await page.locator('tbody tr').count(), 2);
    assertNoPageErrors(errors);
    await context.close();
  });

  test('a registrar adds a person and finds them by name', { timeout: TEST_TIMEOUT }, async () => {
    const { context, page, errors } = await newPage(browser);
    await login(page, 'registrar');
    await page.goto('/people');
    const unique = `Testperson${Date.now()}`;

    // No category: refused, and what was typed stays.
    await page.fill('input[name=given_name]', 'Gulalai');
    await page.fill('input[name=family_name]', unique);
    await page.locator('form[method=post][action="/people"] select[name=category]').evaluate((s) => { s.required = false; });
    await submitAndWait(page, 'form[method=post][action="/people"] button[type=submit]');
    assert.match(await page.locator('[role=alert]').innerText(), /choose a category/);
    assert.equal(await page.inputValue('input[name=family_name]'), unique);

    await page.selectOption('form[method=post][action="/people"] select[name=category]', 'siv_applicant');
    await submitAndWait(page, 'form[method=post][action="/people"] button[type=submit]');
    assert.match(await page.locator('[role=status]').innerText(), /Person added/);

    await page.fill('input[name=q]', `  gulalai ${unique.toUpperCase()} `);
    await submitAndWait(page, 'form[role=search] button[type=submit]');
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), new RegExp(`Gulalai ${unique}`));
    assert.match(await rows.first().innerText(), /SIV applicants/);

    // Sorting by a column header works from the keyboard.
    await page.goto('/people');
    const th = page.locator('th', { hasText: 'Name' });
    await th.focus();
    await page.keyboard.press('Enter');
    assert.equal(await th.getAttribute('aria-sort'), 'ascending');

    assertNoPageErrors(errors);
    await context.close();
  });
});
