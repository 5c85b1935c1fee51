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
