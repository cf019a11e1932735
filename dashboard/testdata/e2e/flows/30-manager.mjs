// The manager's day: the overview over a date range with the funnel, two campaigns side
// by side, a number searched and its contact's history with the gate's reasons in words,
// and the export with tags and variables (masked for the manager, whole for the owner).
// Collections first adds a second campaign through the upload with progress and sets the
// first campaign's goal.
export default async function ({ cfg, pages, session, until, shot, fail, step, num, campaignID }) {
  const { collections: mia, manager: max } = pages;
  const call = (page, method, path, body) => page.evaluate(async ({ method, path, body }) => {
    const me = await (await fetch('/api/me')).json();
    const r = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
      body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, data: await r.json() };
  }, { method, path, body });

  // Collections: a second campaign, its contacts uploaded with progress; the first one's goal.
  // No required fields: the file's 8 rows are 6 imported, 1 duplicate and 1 bad number.
  const b = await call(mia, 'POST', '/api/campaigns', { name: 'browser-campaign-b', script: 'short.yaml', seller: cfg.seller });
  if (b.status !== 201) fail('create campaign b: ' + JSON.stringify(b));
  const idB = b.data.id;
  await mia.goto(`${cfg.base}/#/c/${idB}`);
  // The page before (another campaign's, with its own upload form) stays until this one renders.
  await mia.waitForSelector('#view h1:has-text("browser-campaign-b")');
  await mia.waitForSelector('#csv');
  await mia.setInputFiles('#csv', cfg.csv);
  await mia.click('#upload-submit');
  await mia.waitForSelector('#report-summary');
  const upSummary = await mia.textContent('#report-summary');
  if (!/6 imported/.test(upSummary) || !/1 rejected/.test(upSummary)) fail('upload summary: ' + upSummary);
  await mia.waitForSelector('#imports-table tr.import-done');
  const jobRow = await mia.textContent('#imports-table tr.import-done');
  if (!/contacts\.csv/.test(jobRow) || !/mia/.test(jobRow)) fail('import job row: ' + jobRow);
  await shot(mia, 'upload-import-done');
  const g = await call(mia, 'PUT', `/api/campaigns/${campaignID}/goal`, { dispositions: ['completed', 'promise_to_pay'] });
  if (g.status !== 200 || !g.data.own) fail('set goal: ' + JSON.stringify(g));
  step('collections uploaded campaign b with progress (' + jobRow.replace(/\s+/g, ' ').trim() + ') and set the goal');

  // The calls' day, as the server's clock has it.
  const rep = await call(max, 'GET', `/api/campaigns/${campaignID}/report`);
  const day = (rep.data.report.days[0] || {}).date;
  if (!day) fail('the campaign has no day of calls: ' + JSON.stringify(rep.data));

  for (const width of [1280, 390]) {
    const page = width === 1280 ? max : await session('manager', 390);
    const sfx = width === 1280 ? '' : '-390';
    // The overview over a date range, with the funnel.
    await page.goto(cfg.base + '/#/overview');
    await page.waitForSelector('#overview-search');
    await page.fill('#overview-from', day);
    await page.fill('#overview-to', day);
    await page.click('#overview-apply');
    // The default range's page stays until the chosen range's renders (its funnel too):
    // wait for the table of that range, or the ticks below land on a page about to go.
    await page.waitForSelector(`#overview-table[data-range="${day}/${day}"]`);
    await page.waitForSelector('#overview-funnel g[data-step="goal"]');
    if (!page.url().includes(`from=${day}`)) fail('the range is not in the URL: ' + page.url());
    const attempts = await num(page, '#ov-attempts');
    if (!(attempts >= 1)) fail('overview attempts: ' + attempts);
    const funnel = await page.$$eval('#overview-funnel g', gs => gs.map(g => g.dataset.step + ' ' + g.querySelector('text.count').textContent));
    if (funnel.length !== 4 || !/^goal [1-9]/.test(funnel[3])) fail('funnel: ' + JSON.stringify(funnel));
    await shot(page, 'manager-overview' + sfx);
    // Compare the two campaigns.
    await page.check(`.pick[value="${campaignID}"]`);
    await page.check(`.pick[value="${idB}"]`);
    await page.click('#compare-go');
    await page.waitForSelector('#compare-table');
    const cmp = await page.textContent('#compare-table');
    if (!/browser-campaign-b/.test(cmp) || !/Goal rate/.test(cmp)) fail('compare: ' + cmp);
    await shot(page, 'manager-compare' + sfx);
    // Search a number, open its contact: the history says why, in words.
    await page.goto(cfg.base + '/#/search');
    await page.fill('#number-phone', cfg.dnc_number);
    await page.click('#number-submit');
    await page.waitForSelector('#number-table a[href^="#/contact/"]');
    const shown = await page.textContent('#number-table tbody tr');
    if (shown.includes(cfg.dnc_number) || !/\*/.test(shown)) fail('search shows the number unmasked: ' + shown);
    await shot(page, 'manager-search' + sfx);
    // The number is in the first campaign and in its copy (flows/10-lifecycle.mjs): open the
    // first campaign's contact, the one the gate decided on.
    const row = page.locator('#number-table tbody tr', { hasText: /browser-campaign(?!-)/ }).first();
    await row.locator('a[href^="#/contact/"]').click();
    await page.waitForSelector('#contact-history tr.hist-gate');
    const gate = await page.$$eval('#contact-history tr.hist-gate', trs => trs.map(tr => tr.textContent.replace(/\s+/g, ' ')));
    if (!gate.some(t => /compliance gate blocked/.test(t) && /DNC/.test(t))) fail('history lacks the block in words: ' + JSON.stringify(gate));
    if ((await page.textContent('#view h1')).includes(cfg.dnc_number)) fail('history shows the full number');
    await shot(page, 'manager-contact-history' + sfx);
    if (width === 1280) step('manager: overview ' + funnel.join(' / ') + '; compared; history: ' + gate[gate.length - 1]);
    else await page.context().close();
  }

  // The export: tags and every variable, the manager's masked, the owner's whole.
  const exportOf = (page) => page.evaluate(async (id) => (await fetch(`/api/campaigns/${id}/results?format=csv`)).text(), campaignID);
  const mgr = await exportOf(max), own = await exportOf(mia);
  const head = mgr.split('\n')[0].split(',');
  for (const col of ['tags', 'disposition_text', 'last_reason', 'first_name', 'surname', 'amount', 'due_date']) {
    if (!head.includes(col)) fail(`export has no ${col} column: ${head}`);
  }
  if (/Ana|Lopez/.test(mgr) || !/\[hidden\]/.test(mgr)) fail('the manager\'s export shows variables: ' + mgr.slice(0, 400));
  if (!/Ana/.test(own) || !/Lopez/.test(own)) fail('the owner\'s export lacks the variables: ' + own.slice(0, 400));
  step('export: ' + head.length + ' columns, ' + (own.trim().split('\n').length - 1) + ' contacts');
}
