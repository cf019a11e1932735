// Logs in to the dashboard, creates a campaign with the wizard, uploads a CSV
// with bad rows and checks that the error report lists them row by row.
// Usage: node upload.mjs <base URL> <user> <password> <csv file> <screenshot dir>
import { chromium } from 'playwright-core';

const [base, user, password, csv, shots] = process.argv.slice(2);
const fail = (msg) => { console.error('FAIL: ' + msg); process.exitCode = 1; };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--headless'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => fail('page error: ' + e.message));
  page.setDefaultTimeout(15000);

  await page.goto(base + '/');
  await page.fill('#login-name', user);
  await page.fill('#login-password', 'wrong password');
  await page.click('#login-submit');
  await page.waitForSelector('#login-error:has-text("wrong name or password")');
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.waitForSelector('#campaigns');
  await page.screenshot({ path: shots + '/campaigns.png', fullPage: true });

  await page.click('#nav-new');
  await page.fill('#wizard input[name=name]', 'browser-campaign');
  await page.selectOption('#wizard select[name=script]', 'reminder.yaml'); // requires first_name, amount, due_date
  await page.click('#create');
  await page.waitForSelector('#csv');
  await page.setInputFiles('#csv', csv);
  await page.click('#upload-submit');
  await page.waitForSelector('#report-errors');
  const summary = await page.textContent('#report-summary');
  const rows = await page.$$eval('#report-errors tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
  await page.screenshot({ path: shots + '/upload-report.png', fullPage: true });
  console.log(JSON.stringify({ summary, rows }));
  if (!/rejected/.test(summary)) fail('summary: ' + summary);
  if (!rows.some((r) => r[0] === '7' && r[1] === 'phone')) fail('no error row for line 7 phone: ' + JSON.stringify(rows));
  if (!rows.some((r) => r[0] === '9' && r[1] === 'amount')) fail('no error row for line 9 amount: ' + JSON.stringify(rows));

  // The campaign page shows the imported contacts and gets live events.
  await page.click('text=Open the campaign');
  await page.waitForSelector('#kpi-contacts');
  const contacts = await page.textContent('#kpi-contacts');
  if (+contacts < 1) fail('campaign shows ' + contacts + ' contacts');
  await page.click('button[data-verb=start]');
  await page.waitForSelector('#state:has-text("scheduled")');
  await page.waitForSelector('#events:has-text("campaign_start")');
  await page.screenshot({ path: shots + '/campaign-live.png', fullPage: true });
} catch (e) {
  fail(e.stack || String(e));
} finally {
  await browser.close();
}
