// Reaching people, against the shared demo: a person registers in Dari on the public form
// (right to left, no login), a registrar rebuilds the registry and finds them, then composes
// an alert to that household, previews it for them and sends it; the message arrives at the
// SMTP receiver on loopback that scripts/test starts (tests/browser/smtp-receiver.mjs, its
// mailbox in DRAWDOWN_SMTP_MAILBOX, the demo given DRAWDOWN_SMTP_* pointing at it).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { TEST_TIMEOUT, assertNoPageErrors, launchBrowser, login, newPage, submitAndWait } from './helpers.mjs';

const MAILBOX = process.env.DRAWDOWN_SMTP_MAILBOX;

/** A message as text: quoted-printable soft breaks and escapes undone (long lines are sent so). */
function readable(raw) {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/** Messages in the receiver's mailbox that contain `needle`. */
function mailWith(needle) {
  return readdirSync(MAILBOX)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => readable(readFileSync(join(MAILBOX, f), 'utf8')))
    .filter((m) => m.includes(needle));
}

describe('outreach', () => {
  let browser;
  const contexts = [];
  before(async () => { browser = await launchBrowser(); });
  after(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
  });

  test('register in Dari, be found by a registrar, receive an alert by email', { timeout: TEST_TIMEOUT * 3 }, async (t) => {
    // The demo must send through the receiver: its channels are on the alerts page.
    const staff = await newPage(browser);
    contexts.push(staff.context);
    await login(staff.page, 'registrar');
    await staff.page.goto('/alerts');
    const channels = await staff.page.locator('main').innerText();
    if (!MAILBOX) {
      assert.doesNotMatch(channels, /SMTP relay 127\.0\.0\.1/, 'a relay is configured but DRAWDOWN_SMTP_MAILBOX is not set');
      t.skip('no SMTP receiver: run through scripts/test (or start tests/browser/smtp-receiver.mjs and the demo with DRAWDOWN_SMTP_*, see docs/outreach.md)');
      return;
    }
    assert.match(channels, /Email: SMTP relay 127\.0\.0\.1:\d+ \(no TLS\)/);

    // A person, no login, a cheap phone: the form in Dari, right to left.
    const person = await newPage(browser, { viewport: { width: 360, height: 740 } });
    contexts.push(person.context);
    const { page } = person;
    await page.goto('/register');
    await page.locator('.lang-switch a[hreflang="fa-AF"]').click();
    await page.waitForURL(/lang=fa/);
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    assert.equal(await page.locator('html').getAttribute('lang'), 'fa-AF');
    assert.equal(await page.locator('form').first().evaluate((f) => getComputedStyle(f).direction), 'rtl');
    assert.equal(await page.locator('h1').innerText(), 'ثبت نام نزد سفارت');
    assert.equal(await page.locator('script[src*="register"]').count(), 0, 'no script of its own');
    // Someone new on every run (the demo may be shared): name, birth date and phone of her own.
    const n = Date.now();
    const letters = (k) => Array.from({ length: k }, () => 'bcdfghjklmnpqrstvwxz'[Math.floor(Math.random() * 20)]).join('');
    const family = `${letters(1).toUpperCase()}a${letters(2)}o${letters(2)}i`;
    const email = `${family.toLowerCase()}@example.org`;
    const persian = (s) => s.replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]);
    await page.fill('#f-given_name', 'Zarmina');
    await page.fill('#f-family_name', family);
    await page.fill('#f-birth_date', persian(`${1950 + (n % 50)}-0${1 + (n % 9)}-1${n % 10}`));
    await page.fill('#f-phone', `0799 ${String(n % 1_000_000).padStart(6, '0')}`);
    await page.fill('#f-email', email);
    await page.selectOption('#f-province', 'Kandahar');
    await page.selectOption('#f-status', 'citizen');
    await page.fill('#f-m1_given', ['Maryam', 'Shabnam', 'Nargis', 'Laila', 'Fatima'][n % 5]);
    await page.fill('#f-m1_family', family);
    await page.fill('#f-m1_birth', persian(`${2005 + (n % 15)}`));
    // A person needs a few seconds to fill the form in; a bot does not.
    await page.waitForTimeout(3_200);
    await submitAndWait(page, 'form button.primary');
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    assert.equal(await page.locator('h1').innerText(), 'ثبت نام شما دریافت شد');
    const reference = (await page.locator('#reference').innerText()).trim();
    assert.match(reference, /^SR-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    assert.match((await page.locator('#secret').innerText()).trim(), /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    assertNoPageErrors(person.errors);

    // The registrar rebuilds the registry and finds her, claimed and unverified.
    const s = staff.page;
    await s.goto('/people/rules');
    await submitAndWait(s, 'form[action="/people/resolve"] button[type=submit]');
    const job = s.url();
    for (let i = 0; i < 120 && await s.locator('meta[http-equiv=refresh]').count() > 0; i += 1) {
      await s.waitForTimeout(500);
      await s.goto(job);
    }
    assert.equal(await s.locator('meta[http-equiv=refresh]').count(), 0, 'the rebuild finished');
    await s.goto(`/people?q=${encodeURIComponent(`Zarmina ${family}`)}`);
    const rows = s.locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().innerText(), /claimed, unverified/);
    await submitAndWait(s, `tbody tr a`);
    const personId = new URL(s.url()).pathname.split('/').pop();

    // Compose to her household, count, preview for her, send.
    await s.goto('/alerts/compose');
    await s.fill('input[name=title]', `Report to the gate (${family})`);
    await s.fill('input[name=en_subject]', 'Report to the {gate}');
    await s.fill('textarea[name=en_body]', '{name}, come to the {gate} at {report_time} with {bring}.');
    await s.fill('input[name=field_gate]', 'North Gate');
    await s.fill('input[name=field_report_time]', '06:00');
    await s.fill('input[name=field_bring]', 'your passports');
    await s.fill('input[name=household_of]', personId);
    await s.uncheck('input[name=sms]');
    await s.fill('input[name=preview_for]', personId);
    await submitAndWait(s, 'button[value=preview]');
    assert.equal(await s.locator('#reach-people').innerText(), '2', 'she and her daughter');
    assert.equal(await s.locator('#reach-email').innerText(), '1');
    const preview = await s.locator('#preview').innerText();
    assert.match(preview, new RegExp(`Zarmina ${family}, come to the North Gate at 06:00 with your passports\\.`));
    await submitAndWait(s, 'button[value=send]');
    assert.match(new URL(s.url()).pathname, /^\/alerts\/[0-9a-f-]+$/);

    // Delivered: the page says sent, and the receiver holds the message.
    let state = '';
    for (let i = 0; i < 60 && state !== 'sent'; i += 1) {
      await s.waitForTimeout(500);
      await s.reload();
      state = (await s.locator('tbody .state').first().innerText()).trim();
    }
    assert.equal(state, 'sent');
    const got = mailWith(`X-Envelope-To: ${email}`);
    assert.equal(got.length, 1, `one message to ${email} at the receiver`);
    assert.match(got[0], /Subject: Report to the North Gate/);
    assert.match(got[0], new RegExp(`Zarmina ${family}, come to the North Gate at 06:00 with your passports\\.`));
    assertNoPageErrors(staff.errors);
  });
});
