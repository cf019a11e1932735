// Quality inspection: the compliance officer opens the inspection screen, finds
// the call whose disclosure the caller barged over (seeded by e2e_test.go with the
// inspector's own report), reads its rule and offset, and opens the call; the
// manager has no inspection screen and the API refuses them.
export default async function ({ cfg, pages, shot, fail, step }) {
  const cora = pages.compliance;
  await cora.goto(cfg.base + '/#/campaigns');
  await cora.waitForSelector('#nav-inspection:not([hidden])');
  await cora.click('#nav-inspection');
  await cora.waitForSelector('#insp-table');
  const row = cora.locator('#insp-table tr.insp-row', { hasText: 'inspected-calls' });
  await row.first().waitFor();
  const rule = (await row.first().locator('.insp-rule').textContent()).trim();
  const offset = (await row.first().locator('.insp-offset').textContent()).trim();
  const all = await row.first().locator('.insp-failures').textContent();
  if (rule !== 'disclosure') fail('first failing rule: ' + rule);
  if (offset !== '3.1 s') fail('offset of the cut-off disclosure: ' + offset);
  if (!/cut off \(barge_in\)/.test(all)) fail('failure detail: ' + all);
  await shot(cora, 'inspection-1280');
  step(`compliance sees the failing call: ${rule} at ${offset}`);

  // The campaign's figures.
  const campaignID = await row.first().evaluate((tr) => {
    const sel = document.querySelector('#insp-campaign');
    const opt = [...sel.options].find((o) => o.textContent === 'inspected-calls');
    return opt ? opt.value : '';
  });
  if (!campaignID) fail('no inspected-calls campaign in the filter');
  await cora.selectOption('#insp-campaign', campaignID);
  await cora.waitForSelector('#insp-by-rule tr[data-key="disclosure"]');
  const passed = await cora.textContent('#insp-quality h2:nth-of-type(1), #insp-quality');
  if (!/0 of 1 passed/.test(passed)) fail('campaign inspection figures: ' + passed);

  // Open the call: the transcript shows the barged greeting.
  await cora.click('#insp-table a.insp-call');
  await cora.waitForSelector('#transcript');
  const tr = await cora.textContent('#transcript');
  if (!tr.includes('automated call from Acme Finance')) fail('call detail transcript: ' + tr);
  await shot(cora, 'inspection-call-1280');
  step('compliance opened the failing call');

  // The same screen at phone width (the same session, resized: a new login costs seconds).
  await cora.setViewportSize({ width: 390, height: 844 });
  await cora.goto(cfg.base + '/#/inspection');
  await cora.waitForSelector('#insp-table tr.insp-row');
  await shot(cora, 'inspection-390');
  await cora.setViewportSize({ width: 1280, height: 800 });

  const max = pages.manager;
  await max.goto(cfg.base + '/#/campaigns');
  await max.waitForSelector('#campaigns');
  if (await max.isVisible('#nav-inspection')) fail('manager sees the inspection link');
  const code = await max.evaluate(async () => (await fetch('/api/inspection')).status);
  if (code !== 403) fail('manager GET /api/inspection: ' + code);
  await max.goto(cfg.base + '/#/inspection');
  await max.waitForSelector('#insp-error');
  step('manager: no inspection screen, API refused');
}
