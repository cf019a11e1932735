'use strict';
// voxdial dashboard: a small single-page app over /api (no dependencies).
const $ = (s, el = document) => el.querySelector(s);
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
let me = null, csrf = '', stream = null;

async function api(method, path, body, headers = {}) {
  const h = Object.assign({}, headers);
  if (method !== 'GET') h['X-CSRF-Token'] = csrf;
  let payload = body;
  if (body !== undefined && !(body instanceof Blob) && typeof body !== 'string') {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const r = await fetch(path, {method, headers: h, body: payload, credentials: 'same-origin'});
  const ct = r.headers.get('Content-Type') || '';
  const data = ct.includes('json') ? await r.json() : await r.text();
  if (r.status === 401 && path !== '/api/login') { showLogin(); throw new Error('not logged in'); }
  return {status: r.status, ok: r.ok, data};
}

function can(c) { return me && me.can.includes(c); }

function showLogin() {
  me = null; $('#top').hidden = true; $('#view').innerHTML = ''; $('#login').hidden = false;
}

async function boot() {
  $('#login-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = new FormData(e.target);
    const r = await api('POST', '/api/login', {name: f.get('name'), password: f.get('password')});
    if (!r.ok) { $('#login-error').textContent = r.data.error || 'sign-in failed'; return; }
    setMe(r.data); e.target.reset(); route();
  });
  $('#logout').addEventListener('click', async () => { await api('POST', '/api/logout'); showLogin(); });
  window.addEventListener('hashchange', route);
  try {
    const r = await api('GET', '/api/me');
    if (r.ok) { setMe(r.data); route(); }
  } catch (_) { /* login shown */ }
}

function setMe(d) {
  me = {user: d.user, can: d.can || []}; csrf = d.csrf_token || '';
  $('#login').hidden = true; $('#top').hidden = false; $('#login-error').textContent = '';
  $('#who').textContent = d.user.name + ' (' + d.user.role + ')';
  $('#nav-new').hidden = !can('campaigns.create');
}

function route() {
  if (!me) return;
  if (stream) { stream.close(); stream = null; }
  const h = location.hash || '#/campaigns';
  let m;
  if ((m = h.match(/^#\/c\/(\d+)$/))) return viewCampaign(+m[1]);
  if ((m = h.match(/^#\/a\/(\d+)$/))) return viewAttempt(+m[1]);
  if (h === '#/new') return viewNew();
  return viewList();
}

async function viewList() {
  const r = await api('GET', '/api/campaigns');
  const rows = r.data.campaigns.map(c => `<tr><td><a href="#/c/${c.id}">${esc(c.name)}</a></td>
    <td><span class="state ${esc(c.state)}">${esc(c.state)}</span></td><td>${esc(c.purpose)}</td>
    <td>${esc(c.script)}</td><td>${new Date(c.created_at).toLocaleString()}</td></tr>`).join('');
  $('#view').innerHTML = `<div class="card"><div class="row"><h1>Campaigns</h1>
    ${can('campaigns.create') ? '<a href="#/new"><button>New campaign</button></a>' : ''}</div>
    <table id="campaigns"><thead><tr><th>Name</th><th>State</th><th>Purpose</th><th>Script</th><th>Created</th></tr></thead>
    <tbody>${rows || '<tr><td colspan="5" class="muted">No campaigns yet.</td></tr>'}</tbody></table></div>`;
}

async function viewNew() {
  const s = await api('GET', '/api/scripts');
  const opts = s.data.builtin.concat(s.data.scripts.map(x => x.name)).map(n => `<option>${esc(n)}</option>`).join('');
  $('#view').innerHTML = `<div class="card"><h1>New campaign</h1>
   <form id="wizard" class="form2">
    <label>Name <input name="name" required></label>
    <label>Script <select name="script">${opts}</select></label>
    <label>Trunk <input name="trunk" placeholder="carrier-a or sip:host:5060"></label>
    <label>Purpose <select name="purpose"><option>collections</option><option>informational</option><option>telemarketing</option><option>survey</option></select></label>
    <label>Region <input name="region" value="US"></label>
    <label>Time zone <input name="time_zone" value="UTC"></label>
    <label>Max attempts <input name="max_attempts" type="number" value="5" min="1"></label>
    <label>Max concurrent calls <input name="max_concurrent" type="number" value="10" min="1"></label>
    <label>Window start <input name="ws" placeholder="09:00"></label>
    <label>Window end <input name="we" placeholder="20:00"></label>
    <div><button type="submit" id="create">Create and continue</button> <span class="error" id="create-error"></span></div>
   </form></div><div id="step2"></div>`;
  $('#wizard').addEventListener('submit', async e => {
    e.preventDefault();
    const f = new FormData(e.target);
    const body = {name: f.get('name'), script: f.get('script'), trunk: f.get('trunk'), purpose: f.get('purpose'),
      region: f.get('region'), time_zone: f.get('time_zone'), max_attempts: +f.get('max_attempts'),
      max_concurrent: +f.get('max_concurrent'), schedule: {}};
    if (f.get('ws') && f.get('we')) body.schedule.window = {start: f.get('ws'), end: f.get('we')};
    const r = await api('POST', '/api/campaigns', body);
    if (!r.ok) { $('#create-error').textContent = r.data.error; return; }
    $('#create').disabled = true;
    $('#step2').innerHTML = `<div class="card"><h2>Campaign “${esc(r.data.name)}” created. Upload contacts</h2>
      ${uploadForm(r.data.id)}<p><a href="#/c/${r.data.id}">Open the campaign →</a></p></div>`;
    bindUpload(r.data.id);
  });
}

function uploadForm(id) {
  return `<form id="upload" class="row"><input type="file" id="csv" accept=".csv,text/csv" required>
    <button type="submit" id="upload-submit">Upload CSV</button></form><div id="report"></div>`;
}

function bindUpload(id, after) {
  $('#upload').addEventListener('submit', async e => {
    e.preventDefault();
    const file = $('#csv').files[0];
    if (!file) return;
    $('#upload-submit').disabled = true;
    $('#report').innerHTML = '<p class="muted">Importing…</p>';
    const r = await api('POST', `/api/campaigns/${id}/contacts?file=${encodeURIComponent(file.name)}`, file, {'Content-Type': 'text/csv'});
    $('#upload-submit').disabled = false;
    $('#report').innerHTML = reportHTML(r);
    if (after) after();
  });
}

function reportHTML(r) {
  const d = r.data;
  if (!d || d.rows === undefined && !d.errors) return `<p class="error">${esc(d && d.error || 'upload failed')}</p>`;
  const errs = (d.errors || []).map(e => `<tr><td>${e.line}</td><td>${esc(e.field || '-')}</td><td>${esc(e.reason)}</td></tr>`).join('');
  return `<p id="report-summary" class="${r.ok ? 'ok' : 'error'}">${esc(d.file)}: ${d.rows || 0} rows, ${d.imported || 0} imported,
    ${d.duplicates || 0} duplicates, ${d.rejected || 0} rejected${d.errors_omitted ? ` (${d.errors_omitted} more errors not listed)` : ''}</p>
    ${errs ? `<table id="report-errors"><thead><tr><th>Line</th><th>Field</th><th>Reason</th></tr></thead><tbody>${errs}</tbody></table>` : ''}`;
}

function countTable(id, m) {
  const entries = Object.entries(m || {}).sort((a, b) => b[1] - a[1]);
  const top = Math.max(1, ...entries.map(e => e[1]));
  return `<table id="${id}">${entries.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td>
    <td style="width:45%"><div class="bar" style="width:${(100 * v / top).toFixed(1)}%"></div></td></tr>`).join('') ||
    '<tr><td class="muted">none yet</td></tr>'}</table>`;
}

async function viewCampaign(id) {
  const starts = [], gate = {};
  let log = [];
  const render = async () => {
    const [c, att] = await Promise.all([api('GET', `/api/campaigns/${id}`), api('GET', `/api/campaigns/${id}/attempts?limit=1000`)]);
    if (!c.ok) { $('#view').innerHTML = `<p class="error">${esc(c.data.error)}</p>`; return; }
    const k = c.data, st = k.stats, o = st.outcomes || {};
    const finished = Object.values(o).reduce((a, b) => a + b, 0);
    const now = Date.now();
    while (starts.length && starts[0] < now - 10000) starts.shift();
    const verbs = {draft: ['start', 'stop'], scheduled: ['pause', 'stop'], running: ['pause', 'stop'], paused: ['resume', 'stop']}[k.state] || [];
    const attempts = att.data.attempts.slice(-50).reverse().map(a => `<tr><td><a href="#/a/${a.id}">${a.id}</a></td>
      <td>${esc(a.phone)}</td><td>${a.attempt_no}</td><td>${esc(a.state)}</td><td>${esc(a.outcome)}</td><td>${esc(a.disposition)}</td>
      <td>${new Date(a.started_at).toLocaleTimeString()}</td></tr>`).join('');
    const v = $('#view');
    const keepReport = $('#report') ? $('#report').innerHTML : '';
    v.innerHTML = `<div class="card"><div class="row"><h1>${esc(k.name)}</h1><span class="state ${esc(k.state)}" id="state">${esc(k.state)}</span>
      ${k.can_manage ? verbs.map(b => `<button class="secondary" data-verb="${b}">${b}</button>`).join('') : ''}
      <a href="/api/campaigns/${id}/results?format=csv" download>Export CSV</a></div>
      <p class="muted">${esc(k.purpose)} · script ${esc(k.script)} · trunk ${esc(k.trunk || '-')} · max ${k.max_concurrent} concurrent</p></div>
      <div class="grid">
        <div class="kpi"><b id="kpi-active">${st.open_attempts}</b><span>active calls</span></div>
        <div class="kpi"><b id="kpi-cps">${(starts.length / 10).toFixed(1)}</b><span>calls/s (10 s)</span></div>
        <div class="kpi"><b id="kpi-answer">${finished ? Math.round(100 * (o.answered || 0) / finished) + '%' : '–'}</b><span>answer rate</span></div>
        <div class="kpi"><b id="kpi-contacts">${st.total}</b><span>contacts</span></div>
        <div class="kpi"><b id="kpi-final">${st.contacts.done || 0}</b><span>final</span></div>
        <div class="kpi"><b id="kpi-attempts">${st.attempts}</b><span>attempts</span></div>
        <div class="kpi"><b id="kpi-blocked">${Object.values(gate).reduce((a, b) => a + b, 0)}</b><span>gate blocks/holds (live)</span></div>
      </div>
      <div class="cols" style="margin-top:1rem">
        <div class="card"><h2>Dispositions</h2>${countTable('dispositions', st.dispositions)}</div>
        <div class="card"><h2>Outcomes</h2>${countTable('outcomes', o)}</div>
        <div class="card"><h2>Gate decisions (live)</h2>${countTable('gate', gate)}</div>
        <div class="card"><h2>Live events</h2><div class="log" id="events">${log.map(esc).join('<br>') || '<span class="muted">waiting…</span>'}</div></div>
      </div>
      ${k.can_manage ? `<div class="card"><h2>Upload contacts</h2>${uploadForm(id)}</div>` : ''}
      <div class="card"><h2>Latest attempts</h2><table id="attempts"><thead><tr><th>#</th><th>Number</th><th>Try</th><th>State</th>
        <th>Outcome</th><th>Disposition</th><th>Started</th></tr></thead><tbody>${attempts || '<tr><td colspan="7" class="muted">none yet</td></tr>'}</tbody></table></div>`;
    v.querySelectorAll('[data-verb]').forEach(b => b.addEventListener('click', async () => {
      const r = await api('POST', `/api/campaigns/${id}/${b.dataset.verb}`);
      if (!r.ok) alert(r.data.error);
      render();
    }));
    if (k.can_manage) { $('#report').innerHTML = keepReport; bindUpload(id, render); }
  };
  let pending = null;
  const soon = () => { if (!pending) pending = setTimeout(() => { pending = null; render(); }, 700); };
  await render();
  stream = new EventSource(`/api/events?campaign=${id}`);
  const onEvent = e => {
    const ev = JSON.parse(e.data);
    if (ev.type === 'attempt_started') starts.push(Date.now());
    if (ev.type === 'gate_block' || ev.type === 'gate_hold') {
      const rules = (ev.data.rules && ev.data.rules.length) ? ev.data.rules : [ev.data.reason || ev.type];
      rules.forEach(r => { gate[r] = (gate[r] || 0) + 1; });
    }
    log.unshift(`${new Date(ev.at).toLocaleTimeString()} ${ev.type} ${ev.attempt_id ? '#' + ev.attempt_id : ''} ${JSON.stringify(ev.data)}`);
    log = log.slice(0, 40);
    soon();
  };
  ['attempt_started', 'attempt_finished', 'gate_block', 'gate_hold', 'gate_error', 'campaign_start', 'campaign_pause',
    'campaign_resume', 'campaign_stop'].forEach(t => stream.addEventListener(t, onEvent));
}

async function viewAttempt(id) {
  const r = await api('GET', `/api/attempts/${id}`);
  if (!r.ok) { $('#view').innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
  const a = r.data.attempt, res = a.result || {};
  const turns = r.data.transcript.map(t => `<tr class="${esc(t.role)}"><td>${(t.start_ms / 1000).toFixed(1)}s</td><td>${esc(t.role)}</td>
    <td>${esc(t.text || (t.dtmf ? '[dtmf ' + t.dtmf + ']' : ''))}</td><td>${esc(t.intent || '')}</td></tr>`).join('');
  const evs = r.data.events.map(e => `<tr><td>${new Date(e.at).toLocaleTimeString()}</td><td>${esc(e.type)}</td><td>${esc(JSON.stringify(e.data))}</td></tr>`).join('');
  const canPlay = a.has_recording && !a.masked;
  $('#view').innerHTML = `<div class="card"><h1>Call ${a.id} · ${esc(a.phone)}</h1>
    <p><a href="#/c/${a.campaign_id}">← ${esc(r.data.campaign)}</a></p>
    <table id="call"><tr><th>Outcome</th><td>${esc(a.outcome || a.state)}</td><th>SIP</th><td>${a.sip_status || ''} ${esc(res.sip_reason || '')}</td></tr>
      <tr><th>Disposition</th><td>${esc(a.disposition)}</td><th>Hung up by</th><td>${esc(a.hangup_by)}</td></tr>
      <tr><th>Started</th><td>${new Date(a.started_at).toLocaleString()}</td><th>Duration</th><td>${(a.duration_ms / 1000).toFixed(1)} s</td></tr>
      <tr><th>Call-ID</th><td colspan="3">${esc(a.call_id)}</td></tr></table></div>
    <div class="card"><h2>Recording</h2>${canPlay ? `<audio id="recording" controls preload="metadata" src="/api/attempts/${a.id}/recording"></audio>
      <a href="/api/attempts/${a.id}/recording" download>download</a>` : `<p class="muted">${a.has_recording ? 'Not available to your role.' : 'No recording.'}</p>`}</div>
    <div class="cols"><div class="card"><h2>Transcript</h2><table id="transcript">${turns || '<tr><td class="muted">no transcript</td></tr>'}</table></div>
    <div class="card"><h2>Timeline</h2><table id="timeline">${evs}</table></div></div>`;
}

boot();
