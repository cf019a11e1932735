'use strict';
// Results for managers (see app.js's window.vox): the cross-campaign overview over a
// date range with the funnel, the comparison of two campaigns, search by number and a
// contact's history in words, the results page with its contacts paged on the server,
// and contact uploads with progress (upload %, rows read and rejected so far).
(() => {
  const {$, $$, esc, api, time, hbars} = window.vox;
  const pc = x => (100 * (x || 0)).toFixed(x && x < 0.1 ? 1 : 0) + '%';
  const day = d => d.toISOString().slice(0, 10);
  const label = {dialled: 'Dialled', answered: 'Answered', human: 'A person answered', goal: 'Reached the goal'};
  const params = h => new URLSearchParams((h.split('?')[1] || ''));

  // funnelSVG draws dialled → answered → human → goal as bars, each with its count,
  // its share of the step before and of the dialled.
  function funnelSVG(id, steps) {
    const top = Math.max(1, steps[0] ? steps[0].count : 1), W = 600, H = 34 * steps.length + 4;
    const colours = ['#0b63c5', '#1b7c83', '#157f3b', '#bf3989'];
    const rows = steps.map((s, i) => {
      const w = Math.max(2, (W - 200) * s.count / top);
      return `<g data-step="${esc(s.step)}"><text x="0" y="${i * 34 + 21}">${esc(label[s.step] || s.step)}</text>
        <rect x="150" y="${i * 34 + 6}" width="${w.toFixed(1)}" height="22" rx="3" fill="${colours[i % 4]}"/>
        <text x="${(156 + w).toFixed(1)}" y="${i * 34 + 21}" class="count">${s.count}${i ? ' · ' + pc(s.of_previous) + ' of previous' : ''}</text></g>`;
    }).join('');
    return `<figure id="${id}" class="chart funnel"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="funnel">${rows}</svg></figure>`;
  }

  // rangeForm is the date range (UTC days) with its defaults: the last 7 days.
  function rangeForm(id, h, extra = '') {
    const q = params(h), today = new Date();
    const from = q.get('from') || day(new Date(today.getTime() - 6 * 86400000)), to = q.get('to') || day(today);
    return {from, to, html: `<form id="${id}-search" class="row" data-safe>
      <label class="inline">From <input type="date" name="from" id="${id}-from" value="${esc(from)}"></label>
      <label class="inline">To <input type="date" name="to" id="${id}-to" value="${esc(to)}"></label>${extra}
      <button type="submit" data-safe id="${id}-apply">Show</button></form>`};
  }

  // ---------- overview ----------

  async function viewOverview(h) {
    const q = params(h);
    const {from, to, html} = rangeForm('overview', h);
    const offset = +(q.get('offset') || 0), limit = 20, sort = q.get('sort') || 'id';
    const r = await api('GET', `/api/overview?from=${from}&to=${to}&offset=${offset}&limit=${limit}&sort=${encodeURIComponent(sort)}`);
    if (!r.ok) { $('#view').innerHTML = `<div class="card"><h1>Overview</h1>${html}<p class="error">${esc(r.data.error)}</p></div>`; bindRange('overview', 'overview'); return; }
    const d = r.data, t = d.totals;
    const link = o => `#/overview?from=${from}&to=${to}&sort=${sort}&offset=${o}`;
    const rows = d.campaigns.map(c => { const f = c.figures; return `<tr data-id="${c.id}">
      <td><label class="inline"><input type="checkbox" class="pick" value="${c.id}"> <a href="#/r/${c.id}">${esc(c.name)}</a></label></td>
      <td><span class="state ${esc(c.state)}">${esc(c.state)}</span></td><td class="num">${f.attempts}</td><td class="num">${pc(f.answer_rate)}</td>
      <td class="num">${pc(f.human_rate)}</td><td class="num">${pc(f.goal_rate)}</td><td class="num">${f.goal}</td><td class="num">${f.opt_outs}</td>
      <td class="num">${f.done}/${f.contacts}</td></tr>`; }).join('');
    const sorts = ['id', 'attempts', 'answer_rate', 'goal_rate', 'name'].map(s => `<option value="${s}"${s === sort ? ' selected' : ''}>${{id: 'newest', attempts: 'attempts', answer_rate: 'answer rate', goal_rate: 'goal rate', name: 'name'}[s]}</option>`).join('');
    const empty = d.total === 0 ? 'No campaigns yet.' : 'No campaign on this page.';
    $('#view').innerHTML = `<div class="card"><h1>Overview</h1>${html.replace('</form>', `<label class="inline">Sort <select name="sort" id="overview-sort">${sorts}</select></label></form>`)}
      <p class="muted">Days are UTC days of the calls' end. Answer rate: answered of attempts; human rate: a person of the answered; goal rate: goal reached of the people.</p></div>
      <div class="grid" id="overview-kpis">
        <div class="kpi"><b id="ov-attempts">${t.attempts}</b><span>attempts</span></div>
        <div class="kpi"><b id="ov-answer">${pc(t.answer_rate)}</b><span>answer rate</span></div>
        <div class="kpi"><b id="ov-human">${pc(t.human_rate)}</b><span>human rate</span></div>
        <div class="kpi"><b id="ov-goal">${pc(t.goal_rate)}</b><span>goal rate</span></div>
        <div class="kpi"><b id="ov-optouts">${t.opt_outs}</b><span>opt-outs</span></div>
        <div class="kpi"><b>${Math.round(t.talk_s / 60)}</b><span>talk minutes</span></div></div>
      <div class="card"><h2>Funnel, every campaign</h2>${t.attempts ? funnelSVG('overview-funnel', d.funnel) : '<p id="overview-funnel" class="muted">No calls in this date range.</p>'}</div>
      <div class="card"><div class="row"><h2>Campaigns</h2><button id="compare-go" class="secondary" data-safe disabled>Compare the two ticked</button></div>
      <div class="scroll"><table id="overview-table" data-range="${esc(from)}/${esc(to)}"><thead><tr><th>Campaign</th><th>State</th><th>Attempts</th><th>Answer</th><th>Human</th><th>Goal rate</th><th>Goal</th><th>Opt-outs</th><th>Final/contacts</th></tr></thead>
      <tbody>${rows || `<tr><td colspan="9" class="muted">${empty}</td></tr>`}</tbody></table></div>
      ${pager('overview', offset, limit, d.total, link)}</div>`;
    bindRange('overview', 'overview');
    $('#overview-sort').addEventListener('change', () => $('#overview-apply').click());
    const picks = () => $$('.pick').filter(x => x.checked).map(x => x.value);
    $$('.pick').forEach(x => x.addEventListener('change', () => { $('#compare-go').disabled = picks().length !== 2; }));
    $('#compare-go').addEventListener('click', () => { const [a, b] = picks(); location.hash = `#/compare?a=${a}&b=${b}&from=${from}&to=${to}`; });
  }

  function pager(id, offset, limit, total, link) {
    if (total <= limit) return `<p class="muted" id="${id}-count">${total} in all</p>`;
    const prev = offset > 0 ? `<a href="${link(Math.max(0, offset - limit))}" id="${id}-prev">← previous</a>` : '';
    const next = offset + limit < total ? `<a href="${link(offset + limit)}" id="${id}-next">next →</a>` : '';
    return `<p class="row" id="${id}-count">${offset + 1}–${Math.min(total, offset + limit)} of ${total} ${prev} ${next}</p>`;
  }

  // bindRange sends the range form to #/route?from=&to=(&sort=) keeping other parameters.
  function bindRange(id, route, keep = {}) {
    $(`#${id}-search`).addEventListener('submit', e => {
      e.preventDefault();
      const f = new FormData(e.target), q = new URLSearchParams(keep);
      for (const [k, v] of f) if (v) q.set(k, v);
      location.hash = `#/${route}?${q}`;
    });
  }

  // ---------- comparison ----------

  async function viewCompare(h) {
    const q = params(h), a = q.get('a'), b = q.get('b');
    const cs = await api('GET', '/api/campaigns');
    const opts = sel => cs.data.campaigns.map(c => `<option value="${c.id}"${String(c.id) === sel ? ' selected' : ''}>${esc(c.name)}</option>`).join('');
    const {from, to, html} = rangeForm('compare', h, `<label class="inline">A <select name="a" id="compare-a">${opts(a)}</select></label>
      <label class="inline">B <select name="b" id="compare-b">${opts(b)}</select></label>`);
    if (!a || !b) {
      $('#view').innerHTML = `<div class="card"><h1>Compare two campaigns</h1>${html}<p class="muted">Pick two campaigns and a date range.</p></div>`;
      bindRange('compare', 'compare');
      return;
    }
    const r = await api('GET', `/api/compare?a=${a}&b=${b}&from=${from}&to=${to}`);
    if (!r.ok) { $('#view').innerHTML = `<div class="card"><h1>Compare</h1>${html}<p class="error">${esc(r.data.error)}</p></div>`; bindRange('compare', 'compare'); return; }
    const [x, y] = r.data.campaigns, fx = x.campaign.figures, fy = y.campaign.figures;
    const line = (name, k, fmt = v => v) => {
      const d = fy[k] - fx[k];
      return `<tr data-key="${k}"><th>${name}</th><td class="num">${fmt(fx[k])}</td><td class="num">${fmt(fy[k])}</td>
        <td class="num ${d > 0 ? 'ok' : d < 0 ? 'error' : 'muted'}">${d === 0 ? '=' : (d > 0 ? '+' : '−') + fmt(Math.abs(d))}</td></tr>`;
    };
    const side = (rep, n) => `<div class="card"><h2>${n}: <a href="#/r/${rep.campaign.id}">${esc(rep.campaign.name)}</a></h2>
      ${rep.campaign.figures.attempts ? funnelSVG('compare-funnel-' + n.toLowerCase(), rep.funnel) : '<p class="muted">No calls in this date range.</p>'}
      <p class="muted">Goal: ${esc(rep.goal.dispositions.join(', ') || 'none')}${rep.goal.own ? '' : ' (the default)'}</p>
      ${hbars('compare-disp-' + n.toLowerCase(), rep.dispositions, 'no dispositions')}</div>`;
    $('#view').innerHTML = `<div class="card"><h1>Compare two campaigns</h1>${html}</div>
      <div class="card"><table id="compare-table"><thead><tr><th></th><th>A: ${esc(x.campaign.name)}</th><th>B: ${esc(y.campaign.name)}</th><th>B − A</th></tr></thead><tbody>
      ${line('Attempts', 'attempts')}${line('Answer rate', 'answer_rate', pc)}${line('Human rate', 'human_rate', pc)}${line('Goal rate', 'goal_rate', pc)}
      ${line('Goal reached', 'goal')}${line('Opt-outs', 'opt_outs')}${line('Talk minutes', 'talk_s', v => Math.round(v / 60))}
      ${line('Contacts', 'contacts')}${line('Final contacts', 'done')}</tbody></table></div>
      <div class="cols">${side(x, 'A')}${side(y, 'B')}</div>`;
    bindRange('compare', 'compare');
  }

  // ---------- search and history ----------

  function normalise(s) {
    const d = String(s).trim().replace(/[\s().-]/g, '');
    if (/^\+/.test(d)) return d;
    if (/^1\d{10}$/.test(d)) return '+' + d;
    if (/^\d{10}$/.test(d)) return '+1' + d;
    return d;
  }

  async function viewSearch(h) {
    const phone = params(h).get('phone') || '';
    $('#view').innerHTML = `<div class="card"><h1>Find a number</h1>
      <form id="number-search" class="row" data-safe><input id="number-phone" placeholder="+14155550101" value="${esc(phone)}">
      <button type="submit" data-safe id="number-submit">Search</button></form>
      <p class="muted">Every campaign's contact with this number; open one for its history with the reasons in words.</p><div id="number-results"></div></div>`;
    $('#number-search').addEventListener('submit', e => { e.preventDefault(); location.hash = '#/search?phone=' + encodeURIComponent(normalise($('#number-phone').value)); });
    if (!phone) return;
    const r = await api('GET', '/api/search?phone=' + encodeURIComponent(phone));
    if (!r.ok) { $('#number-results').innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
    const rows = r.data.contacts.map(c => `<tr><td><a href="#/contact/${c.id}">${esc(c.phone)}</a></td><td><a href="#/r/${c.campaign_id}">${esc(c.campaign)}</a></td>
      <td>${esc(c.state)}</td><td>${esc(c.disposition_text || c.disposition || '')}</td><td class="num">${c.attempts}</td><td>${esc(c.last_outcome_text || '')}</td><td>${time(c.updated_at)}</td></tr>`).join('');
    $('#number-results').innerHTML = `<table id="number-table"><thead><tr><th>Number</th><th>Campaign</th><th>State</th><th>Disposition</th><th>Attempts</th><th>Last outcome</th><th>Updated</th></tr></thead>
      <tbody>${rows || '<tr><td colspan="7" class="muted">No contact has this number in any campaign.</td></tr>'}</tbody></table>`;
  }

  async function viewContact(id) {
    const r = await api('GET', `/api/contacts/${id}/history`);
    if (!r.ok) { $('#view').innerHTML = `<div class="card"><p class="error">${esc(r.data.error)}</p></div>`; return; }
    const c = r.data.contact;
    const vars = Object.entries(c.variables || {}).map(([k, v]) => `${esc(k)}: ${esc(v)}`).join(' · ');
    const rows = r.data.history.map(e => `<tr class="hist-${esc(e.kind)}"><td>${time(e.at)}</td><td>${esc(e.kind)}</td>
      <td>${e.attempt_id && e.kind === 'attempt' ? `<a href="#/a/${e.attempt_id}">${esc(e.text)}</a>` : esc(e.text)}</td>
      <td>${esc(e.reason || '')}${(e.rules || []).length ? ` <span class="muted">(${esc(e.rules.join(', '))})</span>` : ''}</td></tr>`).join('');
    $('#view').innerHTML = `<div class="card"><h1>Contact ${esc(c.phone)}</h1>
      <p><a href="#/r/${c.campaign_id}">← ${esc(c.campaign)}</a> · <a href="#/search?phone=">find another number</a></p>
      <table id="contact-facts"><tr><th>State</th><td>${esc(c.state)}</td><th>Attempts</th><td>${c.attempts}</td></tr>
      <tr><th>Disposition</th><td>${esc(c.disposition_text || '–')}${c.disposition ? ` <span class="muted">(${esc(c.disposition)})</span>` : ''}</td>
        <th>Last outcome</th><td>${esc(c.last_outcome_text || '–')}</td></tr>
      ${c.next_attempt_at ? `<tr><th>Next try</th><td colspan="3">${time(c.next_attempt_at)}</td></tr>` : ''}
      ${vars ? `<tr><th>Variables</th><td colspan="3">${vars}</td></tr>` : ''}</table></div>
      <div class="card"><h2>History</h2><div class="scroll"><table id="contact-history"><thead><tr><th>When</th><th>What</th><th>Happened</th><th>Why</th></tr></thead>
      <tbody>${rows || '<tr><td colspan="4" class="muted">Nothing yet: the contact has not been called, and the gate has not decided on it.</td></tr>'}</tbody></table></div></div>`;
  }

  // ---------- the results page ----------

  async function viewResults(id, h) {
    const q = params(h);
    const c = await api('GET', `/api/campaigns/${id}`);
    if (!c.ok) { $('#view').innerHTML = `<p class="error">${esc(c.data.error)}</p>`; return; }
    const span = (Date.now() - new Date(c.data.created_at).getTime()) / 1000;
    const bucket = [10, 30, 60, 300, 900, 3600, 21600, 86400].find(b => span / b <= 60) || 86400;
    const [s, res, rep] = await Promise.all([api('GET', `/api/campaigns/${id}/series?bucket=${bucket}`), api('GET', `/api/campaigns/${id}/results`),
      api('GET', `/api/campaigns/${id}/report`)]);
    const raw = s.data.points, r = res.data, report = rep.data.report, f = report.campaign.figures;
    const pts = raw.length ? window.vox.fill(raw, bucket, new Date(raw[0].t).getTime(), new Date(raw[raw.length - 1].t).getTime()) : raw;
    const rate = pts.map(p => { const n = window.vox.sum(p.finished); return {t: p.t, v: n ? 100 * (p.finished.answered || 0) / n : null}; });
    $('#view').innerHTML = `<div class="card"><div class="row"><h1>Results: ${esc(c.data.name)}</h1>
        <span class="state ${esc(r.state)}">${esc(r.state)}</span><a href="#/c/${id}">Live view</a>
        <a id="export-csv" href="/api/campaigns/${id}/results?format=csv" download>Export CSV</a></div>
      <p id="results-summary">${r.contacts} contacts, ${r.final} final, ${r.pending} pending, ${r.attempts} attempts,
        answer rate ${pc(f.answer_rate)} · one column = ${bucket >= 3600 ? bucket / 3600 + ' h' : bucket >= 60 ? bucket / 60 + ' min' : bucket + ' s'}</p></div>
      <div class="cols"><div class="card"><h2>Funnel</h2>${f.attempts ? funnelSVG('results-funnel', report.funnel) : '<p class="muted" id="results-funnel">No calls yet.</p>'}
        <p class="muted" id="results-goal">Goal: ${esc(report.goal.dispositions.join(', ') || 'none')}${report.goal.own ? ' (this campaign’s)' : ' (the default dispositions)'}</p></div>
        <div class="card"><h2>Calls over time, by outcome</h2>${window.vox.stacked('chart-outcomes', pts, p => p.finished, {title: 'calls by outcome'})}</div></div>
      <div class="cols"><div class="card"><h2>Answer rate over time</h2>${window.vox.line('chart-answer', rate, {title: 'answer rate'})}</div>
        <div class="card"><h2>Gate blocks and holds over time</h2>${window.vox.stacked('chart-gate', pts, p => p.gate, {height: 140, title: 'gate decisions'})}</div></div>
      <div class="cols"><div class="card"><h2>Dispositions</h2>${hbars('res-dispositions', r.dispositions)}</div>
        <div class="card"><h2>Outcomes</h2>${hbars('res-outcomes', r.outcomes)}</div></div>
      <div class="card"><div class="row"><h2>Contacts</h2>
        <form id="contacts-search" class="row" data-safe><select name="state" id="contacts-state"><option value="">all</option><option value="open">not final</option><option value="done">final</option></select>
        <select name="disposition" id="contacts-disposition"><option value="">any disposition</option>${Object.keys(r.dispositions || {}).map(d => `<option>${esc(d)}</option>`).join('')}</select>
        <button type="submit" data-safe>Filter</button></form></div><div id="contacts-page"></div></div>`;
    const state = q.get('state') || '', disp = q.get('disposition') || '';
    $('#contacts-state').value = state; $('#contacts-disposition').value = disp;
    $('#contacts-search').addEventListener('submit', e => {
      e.preventDefault();
      const f = new FormData(e.target), p = new URLSearchParams();
      for (const [k, v] of f) if (v) p.set(k, v);
      location.hash = `#/r/${id}?${p}`;
    });
    contactsPage(id, state, disp, [0]);
  }

  // contactsPage shows one page of contacts; cursors is the stack of the pages' "after".
  async function contactsPage(id, state, disp, cursors) {
    const after = cursors[cursors.length - 1], limit = 50;
    const p = new URLSearchParams({limit, after});
    if (state) p.set('state', state);
    if (disp) p.set('disposition', disp);
    const r = await api('GET', `/api/campaigns/${id}/contacts?${p}`);
    const el = $('#contacts-page');
    if (!el) return;
    if (!r.ok) { el.innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
    const d = r.data, first = (cursors.length - 1) * limit;
    const rows = d.contacts.map(x => `<tr><td><a href="#/contact/${x.id}">${esc(x.phone)}</a></td><td>${esc(x.external_id || '')}</td><td>${esc(x.state)}</td>
      <td>${esc(x.disposition || '')}</td><td class="num">${x.attempts}</td><td>${esc(x.last_outcome_text || x.last_outcome || '')}</td></tr>`).join('');
    el.innerHTML = `<div class="scroll"><table id="result-rows"><thead><tr><th>Number</th><th>External ID</th><th>State</th><th>Disposition</th>
      <th>Attempts</th><th>Last outcome</th></tr></thead><tbody>${rows || `<tr><td colspan="6" class="muted">${d.total ? 'No more contacts.' : 'No contacts match.'}</td></tr>`}</tbody></table></div>
      <p class="row" id="contacts-count">${d.total ? `${first + 1}–${first + d.contacts.length} of ${d.total}` : '0 contacts'}
        ${cursors.length > 1 ? '<button class="secondary" data-safe id="contacts-prev">← previous</button>' : ''}
        ${d.next ? '<button class="secondary" data-safe id="contacts-next">next →</button>' : ''}</p>`;
    if ($('#contacts-prev')) $('#contacts-prev').addEventListener('click', () => contactsPage(id, state, disp, cursors.slice(0, -1)));
    if ($('#contacts-next')) $('#contacts-next').addEventListener('click', () => contactsPage(id, state, disp, cursors.concat([d.next])));
  }

  // ---------- uploads with progress ----------

  // upload sends the file with XHR (for its upload progress) and polls the campaign's
  // import job for the rows read and rejected so far; done(report response) at the end.
  function upload(id, file, done) {
    const box = $('#report');
    box.innerHTML = `<progress id="upload-progress" max="100" value="0"></progress><p id="upload-text" class="muted">Uploading ${esc(file.name)}…</p>`;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/campaigns/${id}/contacts?file=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.setRequestHeader('X-CSRF-Token', window.vox.csrf());
    let sent = 0, job = null;
    const text = () => {
      const t = $('#upload-text');
      if (!t) return;
      const rows = job ? ` · ${job.rows_read} rows read, ${job.rejected} rejected so far` : '';
      t.textContent = `${sent < 100 ? `Uploading ${file.name}: ${sent}%` : `Uploaded ${file.name}; importing`}${rows}`;
    };
    xhr.upload.addEventListener('progress', e => {
      if (!e.lengthComputable) return;
      sent = Math.floor(100 * e.loaded / e.total);
      if ($('#upload-progress')) $('#upload-progress').value = sent;
      text();
    });
    const poll = setInterval(async () => {
      const r = await api('GET', `/api/campaigns/${id}/imports?limit=1`).catch(() => null);
      if (r && r.ok && r.data.imports[0] && r.data.imports[0].file === file.name) { job = r.data.imports[0]; text(); }
    }, 700);
    const finish = (status, data) => { clearInterval(poll); done({status, ok: status >= 200 && status < 300, data}); };
    xhr.addEventListener('load', () => {
      let data;
      try { data = JSON.parse(xhr.responseText); } catch (_) { data = {error: xhr.responseText || 'upload failed'}; }
      finish(xhr.status, data);
    });
    xhr.addEventListener('error', () => finish(0, {error: 'the upload failed: the connection was lost'}));
    xhr.send(file);
  }

  // importsHTML is the campaign page's card of its latest uploads (a running one with its
  // progress, so a page left and opened again shows it).
  async function importsCard(id) {
    const el = $('#imports');
    if (!el) return;
    const r = await api('GET', `/api/campaigns/${id}/imports?limit=3`);
    if (!r.ok || !$('#imports')) return;
    const rows = r.data.imports.map(j => `<tr class="import-${esc(j.state)}"><td>${esc(j.file)}</td><td>${esc(j.state)}</td>
      <td class="num">${j.rows_read}</td><td class="num">${j.state === 'running' ? '…' : j.imported}</td><td class="num">${j.rejected}</td>
      <td>${esc(j.created_by)} · ${time(j.started_at)}</td><td class="error">${esc(j.error || '')}</td></tr>`).join('');
    $('#imports').innerHTML = `<table id="imports-table"><thead><tr><th>File</th><th>State</th><th>Rows read</th><th>Imported</th><th>Rejected</th><th>By</th><th></th></tr></thead>
      <tbody>${rows || '<tr><td colspan="7" class="muted">No uploads yet.</td></tr>'}</tbody></table>`;
  }

  Object.assign(window.vox, {upload, importsCard, funnelSVG});
  const routes = [
    [/^#\/overview/, () => viewOverview(location.hash)],
    [/^#\/compare/, () => viewCompare(location.hash)],
    [/^#\/search/, () => viewSearch(location.hash)],
    [/^#\/contact\/(\d+)$/, m => viewContact(+m[1])],
    [/^#\/r\/(\d+)(\?.*)?$/, m => viewResults(+m[1], location.hash)],
  ];
  for (const [re, view] of routes) window.vox.screen(re, view);
  // The page may have routed before this file ran: route again if the view is ours.
  if (routes.some(([re]) => re.test(location.hash)) && window.vox.ready()) window.dispatchEvent(new HashChangeEvent('hashchange'));
})();
