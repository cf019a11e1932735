// Conversation intelligence and follow-ups: the call page shows the call's lead grade and
// summary and its follow-up texts; the Follow-ups screen lists the delivery log, by state,
// at both widths.
export default async function (t) {
  const { cfg, session, until, shot, step, campaignID } = t;
  for (const width of [1280, 390]) {
    step(`follow-ups at ${width} px`);
    const page = await session('admin', width);
    await page.goto(`${cfg.base}/#/c/${campaignID}`);
    await until(page, 'an attempt link', () => !!document.querySelector('#attempts tbody tr a'));
    const href = await page.$eval('#attempts tbody tr a', (a) => a.getAttribute('href'));
    await page.goto(`${cfg.base}/${href}`);
    await until(page, 'the insight card', () => {
      const g = document.querySelector('#insight-grade');
      const s = document.querySelector('#insight-summary');
      return !!(g && /^[ABCD]$/.test(g.textContent) && s && s.textContent.includes('Next step') &&
        (document.querySelector('#call-follow-ups') || document.querySelector('#call-follow-ups-none')));
    });
    await shot(page, `call-insight-${width}`);
    await page.goto(`${cfg.base}/#/follow-ups`);
    await until(page, 'the follow-up list', () => !!(document.querySelector('#follow-ups') || document.querySelector('#follow-ups-none')));
    await page.goto(`${cfg.base}/#/follow-ups?state=failed`);
    await until(page, 'the failed tab', () => document.querySelector('#fu-tabs a.on')?.textContent === 'failed');
    await shot(page, `follow-ups-${width}`);
    await page.close();
  }
}
