// Conversation intelligence: the campaign page's "Unanswered questions" section
// (owners see the list, a manager the note only) links to the survey report, which
// shows each survey question's answers (or says there are none yet) and exports CSV.
export default async function (t) {
  const { cfg, session, shot, fail, step, campaignID } = t;
  for (const width of [1280, 390]) {
    const cora = await session('collections', width);
    await cora.goto(`${cfg.base}/#/c/${campaignID}`);
    await cora.waitForSelector('#ci-card #unanswered');
    await shot(cora, `survey-campaign-section-${width}`);
    await cora.click('#survey-link');
    await cora.waitForSelector('#survey-calls');
    const text = await cora.textContent('#survey-questions');
    if (!/no survey answers yet|answers/.test(text)) fail('survey screen: ' + text);
    const csv = await cora.evaluate(async (id) => (await fetch(`/api/campaigns/${id}/survey?format=csv`)).text(), campaignID);
    if (!csv.startsWith('question,answer,count,share')) fail('survey csv: ' + csv.slice(0, 80));
    await shot(cora, `survey-${width}`);
    await cora.context().close();
  }
  const max = await session('manager', 1280);
  await max.goto(`${cfg.base}/#/c/${campaignID}`);
  await max.waitForSelector('#ci-card');
  if (await max.$('#unanswered')) fail('the manager sees the unanswered questions list');
  await max.click('#survey-link');
  await max.waitForSelector('#survey-calls');
  await shot(max, 'manager-survey');
  await max.context().close();
  step('survey report and unanswered questions section seen');
}
