'use strict';
// Conversation intelligence and follow-ups (docs/follow-ups.md): the grade and summary of a
// call on its detail page, the texts queued after it, and the #/follow-ups screen (the
// delivery log of every text: queued, blocked by the gate, retried, sent, failed).
(() => {
  const {$, esc, api, time, screen, onAttempt} = window.vox;

  const stateClass = s => ({sent: 'ok', failed: 'error', blocked: 'error'}[s] || 'muted');
  const logText = f => (f.log || []).map(e => `${time(e.at)} ${e.event}${e.status ? ' ' + e.status : ''}${e.detail ? ': ' + e.detail : ''}`).join('\n');

  function rows(fus, withCall) {
    return fus.map(f => `<tr data-id="${f.id}"><td>${time(f.created_at)}</td>
      ${withCall ? `<td><a href="#/a/${f.attempt_id}">call ${f.attempt_id}</a></td>` : ''}
      <td>${esc(f.name)}</td><td>${esc(f.to)}</td><td class="${stateClass(f.state)} fu-state">${esc(f.state)}</td>
      <td class="num">${f.tries}</td><td class="fu-body">${esc(f.body)}</td>
      <td class="muted fu-log" title="${esc(logText(f))}">${esc((f.log || []).map(e => e.event).join(' → '))}${f.last_error ? '<br>' + esc(f.last_error) : ''}</td></tr>`).join('');
  }

  const head = withCall => `<tr><th>Queued</th>${withCall ? '<th>Call</th>' : ''}<th>Name</th><th>To</th><th>State</th><th>Tries</th><th>Text</th><th>Log</th></tr>`;

  // The call page: the insight card and the call's texts.
  onAttempt(async (a, res) => {
    const ins = res.insight;
    const card = document.createElement('div');
    card.className = 'card';
    card.id = 'insight';
    card.innerHTML = ins ? `<h2>Lead grade <span id="insight-grade" class="grade grade-${esc(ins.grade)}">${esc(ins.grade)}</span></h2>
      <p id="insight-summary">${esc(ins.summary)}</p>
      <p class="muted">summary by ${esc(ins.summary_source)} · grade by ${esc(ins.grade_rule)}:
        ${esc((ins.grade_reasons || []).join(', '))}</p>` : '<h2>Lead grade</h2><p class="muted" id="insight-none">Not analysed.</p>';
    const r = await api('GET', `/api/follow-ups?attempt=${a.id}`);
    const fus = r.ok ? r.data.follow_ups : [];
    card.innerHTML += `<h3>Follow-ups</h3>${fus.length ? `<div class="scroll"><table id="call-follow-ups">${head(false)}${rows(fus, false)}</table></div>`
      : '<p class="muted" id="call-follow-ups-none">none</p>'}`;
    const first = $('#view .card');
    if (first) first.after(card);
  });

  screen(/^#\/follow-ups(?:\?state=(\w+))?$/, async m => {
    const state = m[1] || '';
    const r = await api('GET', '/api/follow-ups' + (state ? '?state=' + state : ''));
    if (!r.ok) { $('#view').innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
    const fus = r.data.follow_ups;
    const tabs = ['', 'pending', 'sent', 'failed', 'blocked'].map(s =>
      `<a href="#/follow-ups${s ? '?state=' + s : ''}" class="${s === state ? 'on' : ''}">${s || 'all'}</a>`).join(' · ');
    $('#view').innerHTML = `<div class="card"><h1>Follow-ups</h1><p id="fu-tabs">${tabs}</p>
      ${fus.length ? `<div class="scroll"><table id="follow-ups">${head(true)}${rows(fus, true)}</table></div>`
        : '<p class="muted" id="follow-ups-none">No follow-up texts yet.</p>'}</div>`;
  });
})();
