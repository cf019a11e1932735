// Every main screen at 390 px: the navigation collapses behind the menu button and the page
// never scrolls sideways (tables scroll inside their card); at 1280 px the navigation shows.
// Screenshots of each at both widths.
export default async function (t) {
  const { cfg, pages, session, shot, fail, step, campaignID } = t;
  const screens = [
    ['campaigns', '/#/campaigns', '#campaigns'], ['new', '/#/new', '#wizard'], ['campaign', `/#/c/${campaignID}`, '#kpi-contacts'],
    ['results', `/#/r/${campaignID}`, '#chart-outcomes'], ['scripts', '/#/scripts', '#scripts-list'],
    ['script-editor', '/#/scripts/edit/asset%3Apayment-reminder.en.yaml', '#lint-results p'],
    ['dnc', '/#/dnc', '#dnc-table'], ['consent', '/#/consent', '#consent-table'], ['sellers', '/#/sellers', '#registry'],
    ['audit', '/#/audit', '#audit-table'], ['webhooks', '/#/webhooks', '#webhooks'], ['users', '/#/users', '#users'],
  ];
  for (const width of [390, 1280]) {
    const page = width === 1280 && pages.admin ? pages.admin : await session('admin', width);
    for (const [name, path, ready] of screens) {
      await page.goto(cfg.base + path);
      await page.waitForSelector(ready);
      await page.waitForTimeout(300);
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      const navShown = await page.isVisible('#nav'), toggle = await page.isVisible('#nav-toggle');
      if (width === 390) {
        if (w > 390) {
          const wide = await page.evaluate(() => [...document.querySelectorAll('#view *')].filter((e) => e.getBoundingClientRect().right > 391)
            .slice(0, 3).map((e) => e.outerHTML.slice(0, 90)));
          fail(`${name} at 390 px: the page is ${w} px wide: ${JSON.stringify(wide)}`);
        }
        if (navShown || !toggle) fail(`${name} at 390 px: navigation shown ${navShown}, menu button ${toggle}`);
      } else if (!navShown || toggle) fail(`${name} at 1280 px: navigation shown ${navShown}, menu button ${toggle}`);
      await shot(page, `${name}-${width}`);
    }
    if (width === 390) {
      // The menu opens, shows every screen, and closes once one is chosen.
      await page.click('#nav-toggle');
      await page.waitForSelector('#nav a#nav-sellers', { state: 'visible' });
      if ((await page.evaluate(() => document.documentElement.scrollWidth)) > 390) fail('the open menu widens the page');
      await shot(page, 'menu-open-390');
      await page.click('#nav-scripts');
      await page.waitForSelector('#scripts-list');
      if (await page.isVisible('#nav')) fail('the menu stayed open after choosing a screen');
    }
    if (page !== pages.admin) await page.context().close();
    step(`${screens.length} screens at ${width} px`);
  }
}
