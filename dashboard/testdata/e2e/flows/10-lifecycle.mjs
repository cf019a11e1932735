// Collections' recurring work (docs/campaign-lifecycle.md): the wizard refuses an
// unknown seller; re-importing the same file on the campaign page reports the contacts
// as updated; the manage screen recycles the busy contacts, edits a running campaign
// (script, seller and purpose locked until it is paused), clones it with its contacts
// and archives the clone; a manager sees the manage screen read-only. Screenshots at
// 1280 and 390 px. The main campaign is left running for the flows after this one.
export default async function (t) {
  const { cfg, session, until, shot, fail, step, campaignID } = t;
  const mia = await session('collections', 1280);

  // The wizard: an unknown seller is refused, with its name.
  await mia.goto(`${cfg.base}/#/new`);
  await mia.waitForSelector('#wizard');
  await mia.fill('#wizard input[name=name]', 'ghost-seller');
  await mia.fill('#wizard input[name=seller]', 'Nobody Inc');
  await mia.click('#create');
  await mia.waitForSelector('#create-error:has-text("is not registered")');
  const refusal = await mia.textContent('#create-error');
  if (!refusal.startsWith('seller "Nobody Inc" is not registered')) fail('unknown seller refusal does not name it: ' + refusal);
  await shot(mia, 'lifecycle-unknown-seller-1280');
  step('wizard: unknown seller refused: ' + refusal.slice(0, 80));

  // Re-import the same file: the contacts already there are updated.
  await mia.goto(`${cfg.base}/#/c/${campaignID}`);
  await mia.waitForSelector('#csv');
  await mia.setInputFiles('#csv', cfg.csv);
  await mia.click('#upload-submit');
  await mia.waitForSelector('#report-summary:has-text("updated")');
  const summary = (await mia.textContent('#report-summary')).replace(/\s+/g, ' ');
  if (!/0 imported/.test(summary) || !/5 updated/.test(summary) || !/1 duplicates/.test(summary) || !/2 rejected/.test(summary)) {
    fail('re-import summary: ' + summary);
  }
  await shot(mia, 'lifecycle-reimport-1280');
  step('re-import: ' + summary);

  // The manage screen: recycle the busy contacts.
  const manage = `${cfg.base}/#/c/${campaignID}/manage`;
  await mia.goto(manage);
  await mia.waitForSelector('#recycle');
  const contacts = +(await mia.textContent('#view .card p.muted')).trim().split(' ')[0];
  const end = Date.now() + 40000;
  while (!(await mia.$('#recycle input[name=outcomes][value=busy]'))) {
    if (Date.now() > end) { fail('no busy outcome to recycle'); break; }
    await mia.waitForTimeout(1000);
    await mia.goto(`${cfg.base}/#/c/${campaignID}`);
    await mia.goto(manage);
    await mia.waitForSelector('#recycle');
  }
  if (await mia.$('#recycle input[name=dispositions][value=opted_out]')) fail('opted_out offered for recycling');
  const busy = await mia.$('#recycle input[name=outcomes][value=busy]');
  if (busy) {
    // The busy contacts that are final now (the others are still being retried).
    const finalBusy = await mia.evaluate(async (id) => {
      const r = await (await fetch(`/api/campaigns/${id}/results?contacts=1`)).json();
      return r.rows.filter((x) => x.state === 'done' && x.last_outcome === 'busy').length;
    }, campaignID);
    await busy.check();
    await mia.click('#recycle-submit');
    await mia.waitForSelector('#recycle-msg:has-text("due again")');
    const msg = await mia.textContent('#recycle-msg');
    if (!/^\d+ contacts? due again$/.test(msg)) fail('recycle message: ' + msg);
    if (+msg.split(' ')[0] !== finalBusy) fail(`recycled ${msg}, ${finalBusy} busy contacts were final`);
    step(`recycled busy: ${msg} (${finalBusy} were final)`);
  }
  await shot(mia, 'lifecycle-manage-1280');

  // Edit a running campaign: the safe settings save, the rest waits for a pause.
  if (await mia.textContent('#state') === 'running') {
    if (!(await mia.$('#edit fieldset[disabled]'))) fail('script/seller/purpose editable while running');
  }
  await mia.fill('#edit input[name=max_concurrent]', '3');
  await mia.click('#edit-submit');
  await mia.waitForSelector('#edit-msg:has-text("saved")');
  if ((await mia.inputValue('#edit input[name=max_concurrent]')) !== '3') fail('max concurrent not saved');
  step('edited max concurrent calls while running');

  // Clone with the contacts, then archive the clone.
  await mia.fill('#clone input[name=name]', 'browser-campaign-copy');
  await mia.check('#clone input[name=contacts]');
  await mia.click('#clone-submit');
  await mia.waitForSelector('h1:has-text("browser-campaign-copy")');
  await until(mia, 'the clone in draft', () => document.querySelector('#state').textContent === 'draft');
  const info = await mia.textContent('#view .card p.muted');
  if (!info.trim().startsWith(`${contacts} contacts · 0 final · 0 attempts`)) fail(`clone of ${contacts} contacts: ${info}`);
  await shot(mia, 'lifecycle-clone-1280');
  step('cloned with contacts: ' + info.trim().slice(0, 60));
  await mia.click('#archive');
  await mia.waitForSelector('#archived');
  await mia.goto(`${cfg.base}/#/campaigns`);
  await mia.waitForSelector('#campaigns');
  if ((await mia.textContent('#campaigns')).includes('browser-campaign-copy')) fail('archived clone still in the campaign list');
  await mia.click('#archived-link');
  await mia.waitForSelector('#archived-campaigns:has-text("browser-campaign-copy")');
  await shot(mia, 'lifecycle-archived-1280');
  step('clone archived: hidden from the list, shown under Archived');
  await mia.context().close();

  // Phone width.
  const small = await session('collections', 390);
  await small.goto(manage);
  await small.waitForSelector('#recycle');
  await shot(small, 'lifecycle-manage-390');
  await small.goto(`${cfg.base}/#/archived`);
  await small.waitForSelector('#archived-campaigns');
  await shot(small, 'lifecycle-archived-390');
  await small.goto(`${cfg.base}/#/c/${campaignID}`);
  await small.waitForSelector('#csv');
  await small.setInputFiles('#csv', cfg.csv);
  await small.click('#upload-submit');
  await small.waitForSelector('#report-summary:has-text("updated")');
  await shot(small, 'lifecycle-reimport-390');
  await small.context().close();

  // A manager reads, changes nothing.
  const max = await session('manager', 1280);
  await max.goto(manage);
  await max.waitForSelector('#manage-readonly');
  if (await max.$('#recycle, #edit, #clone, #archive')) fail('manager sees lifecycle forms');
  await shot(max, 'lifecycle-manager-1280');
  await max.context().close();
  step('manager: manage screen read-only');
}
