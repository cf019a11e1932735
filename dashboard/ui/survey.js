'use strict';
// Conversation intelligence on the dashboard: the survey report screen
// (#/survey/ID: each survey question's answers as counts and bars, CSV export) and,
// on the campaign page, a small section listing the questions callers asked that no
// knowledge entry answered (owners only), with a link to the survey report.
(() => {
  const {$, esc, api, can, time, hbars} = window.vox;

  vox.campaignSection(async (id, k, el) => {
    if (!el) return;
    let rows = '';
    if (can('campaigns.create')) {
      const r = await api('GET', `/api/campaigns/${id}/unanswered?limit=10`);
      if (location.hash !== `#/c/${id}`) return;
      if (r.ok) {
        rows = r.data.questions.map(q => `<tr><td>${esc(q.text)}</td><td class="num">${q.count}</td>
          <td><a href="#/a/${q.last_attempt_id}">${esc(time(q.last_at))}</a></td></tr>`).join('');
        rows = `<table id="unanswered" class="counts"><thead><tr><th>Question</th><th>Asked</th><th>Last</th></tr></thead>
          <tbody>${rows || '<tr><td colspan="3" class="muted">none: every question was answered</td></tr>'}</tbody></table>`;
      }
    }
    el.innerHTML = `<div class="card" id="ci-card"><div class="row"><h2>Unanswered questions</h2>
      <a href="#/survey/${id}" id="survey-link">Survey report</a></div>
      ${rows || '<p class="muted">questions callers asked that the script\'s knowledge did not answer are listed for the campaign\'s owners</p>'}
      <p class="muted">Add a knowledge entry to the script for the frequent ones.</p></div>`;
  });

  async function viewSurvey(id) {
    const v = $('#view');
    const r = await api('GET', `/api/campaigns/${id}/survey`);
    if (!r.ok) { v.innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
    const rep = r.data;
    const cards = rep.questions.map((q, i) => {
      const m = {};
      q.answers.forEach(a => { m[a.answer] = a.count; });
      return `<div class="card survey-q"><h2>${esc(q.question)}</h2><p class="muted">${q.total} answers</p>${hbars('survey-' + i, m, 'no answers')}</div>`;
    }).join('');
    v.innerHTML = `<div class="card"><div class="row"><h1>Survey: ${esc(rep.campaign)}</h1>
      <a href="#/c/${id}">Back to the campaign</a>
      <a href="/api/campaigns/${id}/survey?format=csv" download id="survey-csv">Export CSV</a></div>
      <p class="muted" id="survey-calls">${rep.calls} calls answered at least one survey question</p></div>
      <div class="cols" id="survey-questions">${cards || '<div class="card muted">no survey answers yet: captures with a <code>survey:</code> label are counted here</div>'}</div>`;
  }

  vox.screen(/^#\/survey\/(\d+)$/, m => viewSurvey(+m[1]));
})();
