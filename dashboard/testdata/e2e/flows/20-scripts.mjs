// Marketing edits a script: starts from the built-in payment reminder, breaks a field and
// sees the lint's error inline at that line (the table and the gutter), is refused a save,
// fixes it, saves version 1 and chats with it turn by turn (state and intent shown).
// (The editor at 390 px is in 22-mobile.mjs.)
export default async function (t) {
  const { cfg, pages, session, shot, fail, step, until } = t;
  const page = pages.marketing || await session('marketing');
  await page.goto(cfg.base + '/#/scripts');
  await page.waitForSelector('#scripts-builtin');
  const listText = await page.textContent('#view');
  if (/\/tmp\/|\.versions|scripts\//.test(listText)) fail('the scripts list shows a server path: ' + listText.slice(0, 200));
  await shot(page, 'scripts-list');
  await page.click('#scripts-builtin a[href^="#/scripts/new?from=asset%3Apayment-reminder"]');
  await page.waitForSelector('#script-source');
  await until(page, 'the template text', () => document.querySelector('#script-source').value.includes('states:'));
  await page.fill('#script-name', 'flow-reminder.yaml');
  const good = await page.inputValue('#script-source');
  const line = good.split('\n').findIndex((l) => l.startsWith('disclosure:')) + 1;
  if (line < 1) throw new Error('the template has no disclosure line');
  await page.fill('#script-source', good.replace(/^disclosure:/m, 'disclosurex:'));
  await page.click('#script-lint');
  const row = `#lint-problems tr.error[data-line="${line}"]`;
  await page.waitForSelector(row);
  const rowText = await page.textContent(row);
  if (!/unknown field/.test(rowText)) fail(`lint row at line ${line}: ${rowText}`);
  const marks = await page.$$eval('#script-gutter .bad', (els) => els.map((e) => parseInt(e.textContent, 10)));
  if (!marks.includes(line)) fail(`the gutter marks lines ${JSON.stringify(marks)}, not ${line}`);
  await page.click('#script-save');
  await page.waitForSelector('#script-msg.error:has-text("not saved")');
  await shot(page, 'script-lint-error');
  step(`lint error inline at line ${line}: ${rowText.replace(/\s+/g, ' ').trim()}`);

  // Fixed: the lint is clean, the refusal goes, and the save makes version 1.
  await page.fill('#script-source', good);
  await page.click('#script-lint');
  await page.waitForSelector('#lint-ok');
  if ((await page.textContent('#script-msg')).trim() !== '') fail('the save refusal stayed after the fix: ' + (await page.textContent('#script-msg')));
  await page.click('#script-save');
  await page.waitForSelector('#script-msg.ok:has-text("saved as version 1")');
  if (await page.$('#script-gutter .bad')) fail('the gutter still marks a problem after the fix');

  // Try it: the greeting, then two caller turns, each with its state and intent.
  await page.fill('#try-vars', 'first_name=Ana, amount=120.50, due_date=2026-12-01');
  await page.click('#try-start-submit');
  await page.waitForSelector('#try-log .turn.bot');
  if (!/Ana/.test(await page.textContent('#try-log'))) fail('the bot did not greet Ana: ' + (await page.textContent('#try-log')));
  await page.fill('#try-input', "yes it's me");
  await page.click('#try-send');
  await page.waitForSelector('#try-log .turn.caller');
  const caller = await page.$eval('#try-log .turn.caller', (e) => ({ intent: e.dataset.intent, state: e.dataset.state, text: e.textContent }));
  if (!caller.intent || !caller.state || !/intent/.test(caller.text)) fail('caller turn without intent/state: ' + JSON.stringify(caller));
  await page.fill('#try-input', 'yes I will pay');
  await page.click('#try-send');
  await page.waitForSelector('#try-ended');
  const ended = await page.textContent('#try-ended');
  if (!/disposition/.test(ended)) fail('chat end: ' + ended);
  if (!(await page.isDisabled('#try-input'))) fail('the chat input stays open after the call ended');
  await shot(page, 'script-try');
  step(`chat: first caller turn went to intent ${caller.intent} in state ${caller.state}; ${ended.replace(/\s+/g, ' ').trim()}`);

  await page.goto(cfg.base + '/#/scripts');
  await page.waitForSelector('#scripts-list tr[data-name="flow-reminder.yaml"]');
  const v = await page.textContent('#scripts-list tr[data-name="flow-reminder.yaml"]');
  if (!/v1/.test(v)) fail('the saved script is not listed as v1: ' + v);

  // The editor at 390 px: flows/22-mobile.mjs.
}
