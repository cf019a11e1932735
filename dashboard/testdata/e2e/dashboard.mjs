// The browser side of dashboard/e2e_test.go (TestBrowser): drives the
// embedded UI in headless Chromium against a live runner, compliance gate
// and callee simulator. Usage: node dashboard.mjs '<JSON config>' (see the Go test).
import { chromium } from 'playwright-core';
import { existsSync, readdirSync } from 'node:fs';

const cfg = JSON.parse(process.argv[2]);
const U = cfg.users; // role → user name
let failed = false;
const fail = (msg) => { console.error('FAIL: ' + msg); failed = true; process.exitCode = 1; };
const step = (msg) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${msg}`);
const num = async (page, sel) => +(await page.textContent(sel)).replace(/[^0-9.]/g, '');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--headless', '--autoplay-policy=no-user-gesture-required'],
});

async function session(role, width = 1280) {
  const ctx = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 800 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => fail(`${role}: page error: ${e.message}`));
  page.setDefaultTimeout(20000);
  await page.goto(cfg.base + '/');
  await page.fill('#login-name', U[role]);
  await page.fill('#login-password', cfg.password);
  await page.click('#login-submit');
  await page.waitForSelector('#campaigns');
  const who = await page.textContent('#who');
  if (!who.includes(`(${role})`)) fail(`logged in as ${role}, header says ${who}`);
  return page;
}

// until polls fn in the page (waitForFunction evaluates strings, which the UI's CSP forbids).
async function until(page, what, fn, arg, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg).catch(() => false)) return;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await page.waitForTimeout(200);
  }
}

const shot = (page, name) => page.screenshot({ path: `${cfg.shots}/${name}.png`, fullPage: true });

try {
  // Everyone logs in; a wrong password is refused.
  {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(cfg.base + '/');
    await page.fill('#login-name', U.collections);
    await page.fill('#login-password', 'wrong password');
    await page.click('#login-submit');
    await page.waitForSelector('#login-error:has-text("wrong name or password")');
    await shot(page, 'login-refused');
    await ctx.close();
  }
  const pages = {};
  for (const role of ['admin', 'marketing', 'collections', 'compliance', 'manager']) {
    pages[role] = await session(role);
    await shot(pages[role], `login-${role}`);
    step(`logged in as ${role}`);
  }
  const { admin, collections: mia, compliance: cora, manager: max } = pages;

  // Admin: a webhook for every campaign (the Go test checks its receiver).
  await admin.goto(cfg.base + '/#/webhooks');
  await admin.waitForSelector('#hook-add');
  await admin.fill('#hook-add input[name=url]', cfg.hook_url);
  await admin.fill('#hook-add input[name=description]', 'CRM');
  await admin.click('#hook-add-submit');
  await admin.waitForSelector('#hook-secret');
  if (!(await admin.textContent('#hook-secret')).startsWith('whsec_')) fail('no webhook secret shown');
  step('admin added a webhook');

  // Collections: the wizard, the CSV with bad rows, start, live counters.
  await mia.click('#nav-new');
  await mia.fill('#wizard input[name=name]', 'browser-campaign');
  await mia.selectOption('#wizard select[name=script]', 'short.yaml');
  await mia.fill('#wizard input[name=trunk]', cfg.trunk);
  await mia.fill('#wizard input[name=caller_ids]', cfg.caller_id);
  await mia.fill('#wizard input[name=seller]', cfg.seller);
  await mia.fill('#wizard input[name=time_zone]', 'America/New_York');
  await mia.fill('#wizard input[name=max_attempts]', '2');
  await mia.fill('#wizard input[name=requires]', 'first_name, amount');
  await shot(mia, 'wizard');
  await mia.click('#create');
  await mia.waitForSelector('#csv');
  await mia.setInputFiles('#csv', cfg.csv);
  await mia.click('#upload-submit');
  await mia.waitForSelector('#report-errors');
  const summary = await mia.textContent('#report-summary');
  const rows = await mia.$$eval('#report-errors tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
  await shot(mia, 'upload-report');
  if (!/5 imported/.test(summary) || !/2 rejected/.test(summary) || !/1 duplicates/.test(summary)) fail('summary: ' + summary);
  if (!rows.some((r) => r[0] === '7' && r[1] === 'phone')) fail('no error row for line 7 phone: ' + JSON.stringify(rows));
  if (!rows.some((r) => r[0] === '9' && r[1] === 'amount')) fail('no error row for line 9 amount: ' + JSON.stringify(rows));
  step('CSV uploaded: ' + summary.replace(/\s+/g, ' '));
  await mia.click('#wizard-start');
  await mia.waitForSelector('#kpi-contacts');
  const campaignURL = mia.url();
  const campaignID = campaignURL.match(/#\/c\/(\d+)/)[1];
  if (await num(mia, '#kpi-contacts') !== 5) fail('campaign shows ' + (await mia.textContent('#kpi-contacts')) + ' contacts');
  await mia.waitForSelector('#state:has-text("running")');
  // The counters move with the live events: attempts, then finished calls, then answered ones.
  await until(mia, 'an attempt', () => +document.querySelector('#kpi-attempts').textContent >= 1);
  await mia.waitForSelector('#events:has-text("attempt_started")');
  await until(mia, 'an answered call', () => /answered/.test(document.querySelector('#outcomes').textContent), null, 40000);
  // Outcome colours come from the outcome table the API serves, not from a copy in app.js.
  const colour = await mia.evaluate(async () => {
    const d = await (await fetch('/api/meta/outcomes', {credentials: 'same-origin'})).json();
    const want = d.outcomes.find(o => o.code === 'answered').color;
    const got = document.querySelector('#outcomes tr[data-key="answered"] rect').getAttribute('fill');
    return got === want ? '' : `answered bar is ${got}, the API says ${want}`;
  });
  if (colour) fail(colour);
  await until(mia, '3 final contacts', () => +document.querySelector('#kpi-final').textContent >= 3, null, 40000);
  await mia.waitForSelector('#live-chart rect');
  if (!/\d+%/.test(await mia.textContent('#kpi-answer'))) fail('answer rate: ' + (await mia.textContent('#kpi-answer')));
  if (!/^\d+$/.test(await mia.textContent('#kpi-first'))) fail('answer → first audio: ' + (await mia.textContent('#kpi-first')));
  await shot(mia, 'campaign-live');
  step(`live: ${await mia.textContent('#kpi-attempts')} attempts, ${await mia.textContent('#kpi-final')} final, answer rate ${await mia.textContent('#kpi-answer')}`);

  // An answered call: its timeline, transcript and recording, which plays.
  const answered = await mia.$$eval('#attempts tbody tr', (trs) => trs.filter((tr) => tr.children[4].textContent === 'answered')
    .map((tr) => tr.querySelector('a').getAttribute('href')));
  if (!answered.length) throw new Error('no answered attempt listed');
  await mia.goto(cfg.base + '/' + answered[answered.length - 1]);
  await mia.waitForSelector('#recording');
  await mia.waitForSelector('#timeline:has-text("answered")');
  const played = await mia.$eval('#recording', (a) => new Promise((resolve) => {
    a.muted = true;
    a.addEventListener('timeupdate', () => { if (a.currentTime > 0.2) resolve({ t: a.currentTime, d: a.duration }); });
    a.addEventListener('error', () => resolve({ error: a.error && a.error.message }));
    a.play().catch((e) => resolve({ error: String(e) }));
    setTimeout(() => resolve({ error: 'no progress', t: a.currentTime, d: a.duration }), 10000);
  }));
  if (played.error || !(played.d > 0.5)) fail('recording did not play: ' + JSON.stringify(played));
  await shot(mia, 'call-detail');
  const attemptURL = mia.url();
  step('recording played: ' + JSON.stringify(played));

  // Results with charts over time and the CSV export.
  await mia.goto(`${cfg.base}/#/r/${campaignID}`);
  await mia.waitForSelector('#chart-outcomes rect');
  await mia.waitForSelector('#res-dispositions tr[data-key]');
  const csvText = await mia.evaluate(async (href) => (await fetch(href)).text(), await mia.getAttribute('#export-csv', 'href'));
  if (!csvText.startsWith('phone,external_id,state,disposition,disposition_text,goal,attempts,last_outcome,last_outcome_text,last_reason,tags') || csvText.trim().split('\n').length !== 6) fail('CSV export: ' + csvText);
  await shot(mia, 'results');
  step('results and CSV export checked');

  // Compliance: DNC add (and a bulk import), then the next gate decision on that number blocks.
  await cora.goto(cfg.base + '/#/dnc');
  await cora.waitForSelector('#dnc-add');
  await cora.fill('#dnc-add-phones', cfg.dnc_number);
  await cora.fill('#dnc-add input[name=scope]', cfg.seller);
  await cora.fill('#dnc-add-reason', 'asked on the phone not to be called');
  await cora.click('#dnc-add-submit');
  await cora.waitForSelector('#dnc-add-msg:has-text("1 added")');
  await cora.waitForSelector(`#dnc-table tr[data-phone="${cfg.dnc_number}"]`);
  await cora.setInputFiles('#dnc-file', cfg.bulk_dnc);
  await cora.fill('#dnc-bulk input[name=scope]', cfg.seller);
  await cora.fill('#dnc-bulk-reason', 'bulk: complaint list');
  await cora.click('#dnc-import');
  await cora.waitForSelector('#dnc-progress-text:has-text("done")');
  const bulkText = await cora.textContent('#dnc-progress-text');
  if (!/3 numbers, 3 added, 1 skipped/.test(bulkText)) fail('bulk import: ' + bulkText);
  if (+(await cora.getAttribute('#dnc-progress', 'value')) !== 3) fail('progress bar not at 3');
  await cora.fill('#dnc-phone', '');
  await cora.click('#dnc-search-submit');
  await cora.waitForSelector('#dnc-table tr[data-phone="+14155550902"]');
  await shot(cora, 'dnc');
  step('compliance listed ' + cfg.dnc_number + '; ' + bulkText);
  // A new contact with that number: the gate must refuse it.
  await mia.goto(campaignURL);
  await mia.waitForSelector('#csv');
  await mia.setInputFiles('#csv', cfg.dnc_csv);
  await mia.click('#upload-submit');
  await mia.waitForSelector('#report-summary:has-text("1 imported")');
  await until(mia, 'a DNC_INTERNAL gate block', () => /DNC_INTERNAL/.test(document.querySelector('#gate').textContent), null, 30000);
  await shot(mia, 'campaign-gate-block');
  await cora.goto(`${cfg.base}/#/audit?phone=${encodeURIComponent(cfg.dnc_number)}`);
  await cora.waitForSelector('#audit-verdict');
  const verdict = await cora.textContent('#audit-verdict');
  if (!/block/.test(verdict) || !/DNC_INTERNAL/.test(verdict)) fail('audit verdict: ' + verdict);
  await shot(cora, 'audit');
  step('audit: ' + verdict.replace(/\s+/g, ' '));
  await cora.goto(cfg.base + '/#/consent');
  await cora.fill('#consent-phone', cfg.dnc_number);
  await cora.click('#consent-search button');
  await cora.waitForSelector('#consent-table tbody tr td:has-text("acme")');
  await cora.setInputFiles('#consent-file', cfg.consent_csv);
  await cora.click('#consent-import');
  await cora.waitForSelector('#consent-progress-text:has-text("done")');
  const consentText = await cora.textContent('#consent-progress-text');
  const consentErrs = await cora.$$eval('#consent-errors tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
  if (!/2 recorded, 1 rejected/.test(consentText) || consentErrs.length !== 1 || consentErrs[0][0] !== '4' || consentErrs[0][1] !== 'phone') {
    fail('consent import: ' + consentText + ' ' + JSON.stringify(consentErrs));
  }
  await cora.fill('#consent-phone', '+14155550801');
  await cora.click('#consent-search button');
  await cora.waitForSelector('#consent-table tbody tr td:has-text("collections, informational")');
  await shot(cora, 'consent');
  step('consent bulk import: ' + consentText);

  // Admin sees the webhook's deliveries.
  await admin.goto(cfg.base + '/#/webhooks');
  await admin.waitForSelector('.hook-log');
  for (let i = 0; i < 20; i++) {
    await admin.click('.hook-log');
    await admin.waitForSelector('#deliveries');
    if (/delivered/.test(await admin.textContent('#deliveries'))) break;
    await admin.waitForTimeout(500);
  }
  if (!/delivered/.test(await admin.textContent('#deliveries'))) fail('no delivered webhook: ' + (await admin.textContent('#deliveries')));
  await shot(admin, 'webhooks');
  step('webhook deliveries seen');

  // The manager reads everything and finds no way to change anything.
  const views = [['campaigns', '/#/campaigns', '#campaigns'], ['campaign', '/#/c/' + campaignID, '#kpi-contacts'],
    ['results', '/#/r/' + campaignID, '#chart-outcomes'], ['call', '/' + attemptURL.split('/').slice(3).join('/'), '#call'],
    ['dnc', '/#/dnc', '#dnc-table'], ['consent', '/#/consent', '#consent-table'], ['audit', '/#/audit', '#audit-table'],
    ['webhooks', '/#/webhooks', '#webhooks'], ['new', '/#/new', '#view p']];
  for (const [name, path, ready] of views) {
    await max.goto(cfg.base + path);
    await max.waitForSelector(ready);
    await max.waitForTimeout(300);
    const controls = await max.$$eval('#view button:not([data-safe]), #view input[type=file], #view textarea, #view [data-verb], #view form:not([id$="-search"])',
      (els) => els.filter((e) => e.offsetParent !== null).map((e) => e.outerHTML.slice(0, 80)));
    if (controls.length) fail(`manager sees controls on ${name}: ${JSON.stringify(controls)}`);
    await shot(max, 'manager-' + name);
  }
  if (await max.isVisible('#nav-new')) fail('manager sees "New campaign"');
  await max.goto(cfg.base + '/' + attemptURL.split('/').slice(3).join('/'));
  await max.waitForSelector('#call');
  if (!/\*/.test(await max.textContent('#view h1'))) fail('manager sees a full number: ' + (await max.textContent('#view h1')));
  if (await max.$('#recording')) fail('manager can play a recording');
  // And the API refuses the manager's changes outright.
  const codes = await max.evaluate(async ({ id, phone }) => {
    const me = await (await fetch('/api/me')).json();
    const h = { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token };
    const post = async (p, b) => (await fetch(p, { method: 'POST', headers: h, body: JSON.stringify(b) })).status;
    return [await post('/api/dnc', { phones: ['+14155550777'], reason: 'x' }), await post(`/api/campaigns/${id}/pause`, {}),
      await post('/api/campaigns', { name: 'mgr' }), await post('/api/dnc/remove', { phone, reason: 'x' }), await post('/api/webhooks', { url: 'http://x/' })];
  }, { id: campaignID, phone: cfg.dnc_number });
  if (codes.some((c) => c !== 403)) fail('manager API changes answered ' + JSON.stringify(codes));
  step('manager: read-only everywhere, API changes refused ' + JSON.stringify(codes));

  // Further flows, one file each in flows/ (run in name order): each exports
  // default async function (t) with t = {browser, cfg, pages, session, until, shot, fail, step, num, campaignID}.
  const flowDir = new URL('./flows/', import.meta.url);
  const names = existsSync(flowDir) ? readdirSync(flowDir).filter((n) => n.endsWith('.mjs')).sort() : [];
  for (const n of names) {
    step('flow ' + n);
    const mod = await import(new URL(n, flowDir));
    await mod.default({ browser, cfg, pages, session, until, shot, fail, step, num, campaignID });
  }
} catch (e) {
  fail(e.stack || String(e));
} finally {
  await browser.close();
}
if (!failed) console.log('browser test passed');
