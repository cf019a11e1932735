'use strict';
// voxdial dashboard: a small single-page app over /api (no dependencies, no
// CDN). Screens: campaigns (list, wizard, live view, results), call detail,
// DNC, consent, audit ("why was / wasn't this number called") and webhooks.
// The page's CSP forbids inline styles and scripts: charts are SVG
// attributes, handlers are bound with addEventListener.
const $ = (s, el = document) => el.querySelector(s);
const $$ = (s, el = document) => [...el.querySelectorAll(s)];
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
const E164 = /^\+[1-9][0-9]{6,14}$/;
let me = null, csrf = '', stream = null, timers = [];
const screens = [];
const sections = []; // campaign-page sections from ui/*.js files (vox.campaignSection)
const attemptHooks = []; // vox.onAttempt: screen files add to the call page

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

const can = c => !!me && me.can.includes(c);
const isAdmin = () => !!me && me.user.role === 'admin';
const time = t => t ? new Date(t).toLocaleString() : '';
const clock = t => t ? new Date(t).toLocaleTimeString() : '';

function showLogin() {
  me = null; $('#top').hidden = true; $('#view').innerHTML = ''; $('#login').hidden = false;
}

async function boot() {
  $('#login-form').addEventListener('submit', async e => {
    e.preventDefault();
    const f = new FormData(e.target);
    const r = await api('POST', '/api/login', {name: f.get('name'), password: f.get('password')});
    if (!r.ok) { $('#login-error').textContent = r.data.error || 'sign-in failed'; return; }
    setMe(r.data); e.target.reset(); await loadOutcomes(); route();
  });
  $('#logout').addEventListener('click', async () => { await api('POST', '/api/logout'); showLogin(); });
  window.addEventListener('hashchange', route);
  try {
    const r = await api('GET', '/api/me');
    if (r.ok) { setMe(r.data); await loadOutcomes(); route(); } else showLogin();
  } catch (_) { /* login shown */ }
}

function setMe(d) {
  me = {user: d.user, can: d.can || []}; csrf = d.csrf_token || '';
  $('#login').hidden = true; $('#top').hidden = false; $('#login-error').textContent = '';
  $('#who').textContent = d.user.name + ' (' + d.user.role + ')';
  $('#nav-new').hidden = !can('campaigns.create');
  $('#nav-users').hidden = !isAdmin();
  $('#nav-inspection').hidden = !can('inspection');
}

function route() {
  if (!me) return;
  if (stream) { stream.close(); stream = null; }
  timers.forEach(clearInterval); timers = [];
  const h = location.hash || '#/campaigns';
  $$('header nav a').forEach(a => a.classList.toggle('on', h.startsWith(a.getAttribute('href'))));
  let m;
  // Screens in their own files (ui/*.js) register with vox.screen; they are
  // tried first, in registration order.
  for (const sc of screens) if ((m = h.match(sc.re))) return sc.view(m);
  if ((m = h.match(/^#\/c\/(\d+)$/))) return viewCampaign(+m[1]);
  if ((m = h.match(/^#\/a\/(\d+)$/))) return viewAttempt(+m[1]);
  if (h === '#/new') return viewNew();
  if (h.startsWith('#/dnc')) return viewDNC();
  if (h.startsWith('#/consent')) return viewConsent();
  if (h.startsWith('#/audit')) return viewAudit(decodeURIComponent(h.split('?phone=')[1] || ''));
  if (h.startsWith('#/webhooks')) return viewWebhooks();
  return viewList();
}

// ---------- charts (inline SVG) ----------

// Outcome colours and labels come from the one outcome table (GET /api/meta/outcomes),
// loaded once after sign-in; keys that are not outcomes (gate rules) take the extra colours.
const palette = {}, labels = {};
let outcomesLoaded = null;
function loadOutcomes() {
  outcomesLoaded = outcomesLoaded || api('GET', '/api/meta/outcomes').then(r => {
    if (!r.ok) { outcomesLoaded = null; return; }
    for (const o of r.data.outcomes) { palette[o.code] = o.color; labels[o.code] = o.label; }
  }, () => { outcomesLoaded = null; });
  return outcomesLoaded;
}
const extra = ['#bf3989', '#1b7c83', '#953800', '#4c2889', '#116329', '#a40e26'];
function color(k, i) { return palette[k] || extra[i % extra.length]; }

// hbars: a table of label, count and a proportional SVG bar.
function hbars(id, m, empty = 'none yet') {
  const entries = Object.entries(m || {}).sort((a, b) => b[1] - a[1]);
  const top = Math.max(1, ...entries.map(e => e[1]));
  const rows = entries.map(([k, v], i) => `<tr data-key="${esc(k)}"><td title="${esc(labels[k] || '')}">${esc(k)}</td><td class="num">${v}</td>
    <td class="barcell"><svg viewBox="0 0 100 8" preserveAspectRatio="none" class="bar"><rect width="${(100 * v / top).toFixed(1)}" height="8" rx="2" fill="${color(k, i)}"/></svg></td></tr>`).join('');
  return `<table id="${id}" class="counts">${rows || `<tr><td class="muted">${esc(empty)}</td></tr>`}</table>`;
}

// stacked: columns over time, one stack per point, keys coloured in a legend.
function stacked(id, points, keyOf, {height = 180, title = ''} = {}) {
  const keys = [...new Set(points.flatMap(p => Object.keys(keyOf(p))))];
  if (!points.length || !keys.length) return `<div id="${id}" class="chart muted">no data yet</div>`;
  const W = 720, H = height, L = 34, B = 22, n = points.length;
  const totals = points.map(p => Object.values(keyOf(p)).reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const bw = Math.max(1, (W - L) / n);
  let bars = '';
  points.forEach((p, i) => {
    let y = H - B;
    keys.forEach((k, j) => {
      const v = keyOf(p)[k] || 0;
      if (!v) return;
      const h = (H - B - 6) * v / max;
      y -= h;
      bars += `<rect x="${(L + i * bw + bw * 0.1).toFixed(1)}" y="${y.toFixed(1)}" width="${(bw * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="${color(k, j)}"><title>${esc(clock(p.t))} ${esc(k)}: ${v}</title></rect>`;
    });
  });
  const ticks = [0, Math.floor(n / 2), n - 1].filter((v, i, a) => a.indexOf(v) === i)
    .map(i => `<text x="${(i === 0 ? L : i === n - 1 ? W : L + i * bw + bw / 2).toFixed(1)}" y="${H - 6}"
      text-anchor="${i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'}">${esc(clock(points[i].t))}</text>`).join('');
  const legend = keys.map((k, j) => `<span class="key"><svg width="10" height="10"><rect width="10" height="10" fill="${color(k, j)}"/></svg> ${esc(k)}</span>`).join(' ');
  return `<figure id="${id}" class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">
    <line x1="${L}" y1="${H - B}" x2="${W}" y2="${H - B}" stroke="#d9dee3"/>
    <text x="${L - 4}" y="12" text-anchor="end">${max}</text><text x="${L - 4}" y="${H - B}" text-anchor="end">0</text>
    ${bars}${ticks}</svg><figcaption>${legend}</figcaption></figure>`;
}

// line: one series of values 0..max over time.
function line(id, pts, {max = 100, unit = '%', height = 140, title = ''} = {}) {
  const vals = pts.filter(p => p.v !== null);
  if (vals.length < 1) return `<div id="${id}" class="chart muted">no data yet</div>`;
  const W = 720, H = height, L = 34, B = 22, n = pts.length;
  const x = i => L + (n === 1 ? (W - L) / 2 : i * (W - L - 8) / (n - 1));
  const y = v => H - B - (H - B - 8) * v / max;
  const d = pts.map((p, i) => p.v === null ? null : `${x(i).toFixed(1)},${y(p.v).toFixed(1)}`).filter(Boolean).join(' ');
  const dots = pts.map((p, i) => p.v === null ? '' : `<circle cx="${x(i).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="2.5" fill="#1a7f37"><title>${esc(clock(p.t))}: ${p.v.toFixed(0)}${unit}</title></circle>`).join('');
  return `<figure id="${id}" class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">
    <line x1="${L}" y1="${H - B}" x2="${W}" y2="${H - B}" stroke="#d9dee3"/>
    <text x="${L - 4}" y="12" text-anchor="end">${max}${unit}</text><text x="${L - 4}" y="${H - B}" text-anchor="end">0</text>
    <polyline points="${d}" fill="none" stroke="#1a7f37" stroke-width="2"/>${dots}
    <text x="${L}" y="${H - 6}">${esc(clock(pts[0].t))}</text><text x="${W}" y="${H - 6}" text-anchor="end">${esc(clock(pts[n - 1].t))}</text></svg></figure>`;
}

// fill adds the empty buckets between from and to (ms) so time reads evenly.
function fill(points, bucketS, from, to) {
  const step = bucketS * 1000, have = new Map(points.map(p => [new Date(p.t).getTime(), p]));
  const out = [];
  for (let t = Math.floor(from / step) * step; t <= to; t += step) {
    out.push(have.get(t) || {t: new Date(t).toISOString(), started: 0, finished: {}, gate: {}});
  }
  return out.length > 0 && out.length <= 400 ? out : points;
}

function median(xs) {
  if (!xs.length) return '–';
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor((s.length - 1) / 2)]);
}

const sum = m => Object.values(m || {}).reduce((a, b) => a + b, 0);
// stateBadge: a recurring campaign waiting for its next cron run reads "scheduled — next
// run at …" (its state stays running between runs), with the run length.
function stateBadge(c, id = '') {
  const at = id ? ` id="${id}"` : '', run = c.run;
  if (run && !run.in_run && (c.state === 'running' || c.state === 'scheduled')) {
    return `<span class="state scheduled"${at}>scheduled — next run at ${esc(time(run.next_run_at))} for ${esc(run.run_for.replace(/0s$/, '').replace(/h0m$/, 'h'))}</span>`;
  }
  if (run && run.in_run && c.state === 'running') {
    return `<span class="state running"${at}>running — this run ends at ${esc(clock(run.run_ends_at))}</span>`;
  }
  return `<span class="state ${esc(c.state)}"${at}>${esc(c.state)}</span>`;
}
const pct = (a, b) => b ? Math.round(100 * a / b) + '%' : '–';

// ---------- campaigns ----------

async function viewList() {
  const r = await api('GET', '/api/campaigns');
  const fig = f => f ? `<td class="num">${f.attempts}</td><td class="num">${pct(f.answered, f.attempts)}</td><td class="num">${pct(f.goal, f.human)}</td><td class="num">${f.opt_outs}</td>` : '<td></td><td></td><td></td><td></td>';
  const rows = r.data.campaigns.map(c => `<tr><td><a href="#/c/${c.id}">${esc(c.name)}</a></td>
    <td>${stateBadge(c)}</td>${fig(c.figures)}<td>${esc(c.purpose)}</td>
    <td>${esc(c.script)}${c.script_version ? ' v' + c.script_version : ''}</td><td>${esc(c.trunk)}</td><td>${time(c.created_at)}</td><td><a href="#/r/${c.id}">results</a></td></tr>`).join('');
  $('#view').innerHTML = `<div class="card"><div class="row"><h1>Campaigns</h1>
    ${can('campaigns.create') ? '<a href="#/new" class="button">New campaign</a>' : ''} <a href="#/archived" id="archived-link">Archived</a></div>
    <div class="scroll"><table id="campaigns"><thead><tr><th>Name</th><th>State</th><th>Attempts</th><th>Answer rate</th><th>Goal rate</th><th>Opt-outs</th><th>Purpose</th><th>Script</th><th>Trunk</th><th>Created</th><th></th></tr></thead>
    <tbody>${rows || `<tr><td colspan="11" class="muted">No campaigns yet.${can('campaigns.create') ? ' <a href="#/new">Create the first one</a>.' : ''}</td></tr>`}</tbody></table></div>
    <p class="muted">Figures over every day; the <a href="#/overview">overview</a> takes a date range. Goal rate: the goal reached of the people answered.</p></div>`;
}

async function viewNew() {
  if (!can('campaigns.create')) { $('#view').innerHTML = '<p class="error">Your role may not create campaigns.</p>'; return; }
  const s = await api('GET', '/api/scripts');
  const opts = s.data.scripts.map(x => x.name).concat(s.data.builtin).map(n => `<option>${esc(n)}</option>`).join('');
  $('#view').innerHTML = `<div class="card"><h1>New campaign</h1>
   <ol class="steps"><li class="on">Campaign</li><li>Contacts</li><li>Start</li></ol>
   <form id="wizard" class="form2">
    <label>Name <input name="name" required></label>
    <label>Script <select name="script">${opts}</select></label>
    <label>Trunk <input name="trunk" placeholder="carrier-a or sip:host:5060"></label>
    <label>Caller IDs <input name="caller_ids" placeholder="+12125550000, +12125550001"></label>
    <label>Purpose <select name="purpose"><option>collections</option><option>informational</option><option>telemarketing</option><option>survey</option></select></label>
    <label>Seller <input name="seller" placeholder="the company the calls are for"></label>
    <label>Region <input name="region" value="US"></label>
    <label>Time zone <input name="time_zone" value="UTC"></label>
    <label>Max attempts per contact <input name="max_attempts" type="number" value="5" min="1"></label>
    <label>Max concurrent calls <input name="max_concurrent" type="number" value="10" min="1"></label>
    <label>Start date <input name="start_date" type="date"></label>
    <label>End date <input name="end_date" type="date"></label>
    <label>Days <input name="days" placeholder="mon tue wed thu fri (empty: every day)"></label>
    <label>Recurring (cron) <input name="cron" placeholder="0 10 * * MON-FRI (optional)"></label>
    <label>Run length (each cron run dials this long) <input name="run_for" id="wizard-run-for" placeholder="4h (default), e.g. 90m"></label>
    <label>Window start <input name="ws" placeholder="09:00"></label>
    <label>Window end <input name="we" placeholder="20:00"></label>
    <label>Required contact fields <input name="requires" placeholder="default: what the script uses"></label>
    <label>Pacing <select name="pacing"><option value="one_to_one">one to one (nothing abandoned)</option><option value="predictive">predictive (dial ahead, abandonment ≤ 2 %)</option></select></label>
    <label>Agents for transfers <input name="agents" type="number" min="0" placeholder="0: transfers not paced"></label>
    <label>Agents queue URL <input name="agents_url" placeholder="https://queue.example/available (optional)"></label>
    <label>Abandonment message <input name="abandon_message" placeholder="default: the seller's name and the caller ID"></label>
    <div><button type="submit" id="create">Create and continue</button> <span class="error" id="create-error"></span></div>
   </form></div><div id="step2"></div>`;
  $('#wizard').addEventListener('submit', async e => {
    e.preventDefault();
    const f = new FormData(e.target);
    const list = k => String(f.get(k) || '').split(/[\s,]+/).filter(Boolean);
    const body = {name: f.get('name'), script: f.get('script'), trunk: f.get('trunk'), purpose: f.get('purpose'),
      seller: f.get('seller'), region: f.get('region'), time_zone: f.get('time_zone'),
      max_attempts: +f.get('max_attempts'), max_concurrent: +f.get('max_concurrent'), schedule: {}};
    // Empty lists are left out: the script's own required fields apply then.
    if (list('caller_ids').length) body.caller_ids = list('caller_ids');
    if (list('requires').length) body.requires = list('requires');
    for (const k of ['start_date', 'end_date', 'cron']) if (f.get(k)) body.schedule[k] = f.get(k);
    if (f.get('run_for')) {
      if (!f.get('cron')) { $('#create-error').textContent = 'run length: only for a recurring (cron) campaign'; return; }
      body.schedule.run_for = String(f.get('run_for')).trim();
    }
    if (list('days').length) body.schedule.days = list('days').map(d => d.toLowerCase());
    if (f.get('ws') && f.get('we')) body.schedule.window = {start: f.get('ws'), end: f.get('we')};
    body.pacing = f.get('pacing');
    body.pace = {};
    if (+f.get('agents') > 0) body.pace.agents = +f.get('agents');
    for (const k of ['agents_url', 'abandon_message']) if (f.get(k)) body.pace[k] = f.get(k);
    const r = await api('POST', '/api/campaigns', body);
    if (!r.ok) { $('#create-error').textContent = r.data.error; return; }
    $('#create-error').textContent = '';
    $('#create').disabled = true;
    $$('.steps li')[1].classList.add('on');
    $('#step2').innerHTML = `<div class="card"><h2>Campaign “${esc(r.data.name)}” created. Upload contacts</h2>
      <p class="muted">A CSV with a <code>phone</code> column (E.164 or national numbers) and the fields the script needs; bad rows are listed below, line by line.</p>
      ${uploadForm()}<div class="row"><button id="wizard-start" class="secondary">Start the campaign</button>
      <a href="#/c/${r.data.id}">Open the campaign →</a></div></div>`;
    bindUpload(r.data.id);
    $('#wizard-start').addEventListener('click', async () => {
      const s = await api('POST', `/api/campaigns/${r.data.id}/start`);
      if (!s.ok) { alert(s.data.error); return; }
      location.hash = `#/c/${r.data.id}`;
    });
  });
}

function uploadForm() {
  return `<form id="upload" class="row"><input type="file" id="csv" accept=".csv,text/csv" required>
    <button type="submit" id="upload-submit">Upload CSV</button></form><div id="report"></div>`;
}

function bindUpload(id, after) {
  $('#upload').addEventListener('submit', async e => {
    e.preventDefault();
    const file = $('#csv').files[0];
    if (!file) return;
    $('#upload-submit').disabled = true;
    // ui/results.js: XHR upload progress, then the import job's rows read and rejected so far.
    window.vox.upload(id, file, r => {
      if ($('#upload-submit')) $('#upload-submit').disabled = false;
      if ($('#report')) $('#report').innerHTML = reportHTML(r);
      if (after) after();
    });
  });
}

function reportHTML(r) {
  const d = r.data;
  if (!d || d.rows === undefined && !d.errors) return `<p class="error">${esc(d && d.error || 'upload failed')}</p>`;
  const errs = (d.errors || []).map(e => `<tr><td>${e.line}</td><td>${esc(e.field || '-')}</td><td>${esc(e.reason)}</td></tr>`).join('');
  return `<p id="report-summary" class="${r.ok ? 'ok' : 'error'}">${esc(d.file)}: ${d.rows || 0} rows, ${d.imported || 0} imported,
    ${d.updated || 0} updated, ${d.duplicates || 0} duplicates, ${d.rejected || 0} rejected${d.errors_omitted ? ` (${d.errors_omitted} more errors not listed)` : ''}${d.due_again_at ? `; updated contacts due again ${time(d.due_again_at)}` : ''}</p>
    ${errs ? `<table id="report-errors"><thead><tr><th>Line</th><th>Field</th><th>Reason</th></tr></thead><tbody>${errs}</tbody></table>` : ''}`;
}

// viewCampaign is the live view: counters from the API, refreshed on every
// live event (SSE) and every 5 s; calls/s from the live stream.
async function viewCampaign(id) {
  const starts = [];
  let log = [], rendered = false;
  const render = async () => {
    const since = new Date(Date.now() - 10 * 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const [c, att, recent, all] = await Promise.all([api('GET', `/api/campaigns/${id}`), api('GET', `/api/campaigns/${id}/attempts?limit=1000`),
      api('GET', `/api/campaigns/${id}/series?bucket=10&since=${since}`), api('GET', `/api/campaigns/${id}/series?bucket=86400&types=gate_block,gate_hold`)]);
    if (!c.ok) { $('#view').innerHTML = `<p class="error">${esc(c.data.error)}</p>`; return; }
    if (location.hash !== `#/c/${id}`) return;
    const k = c.data, st = k.stats, o = st.outcomes || {};
    const finished = sum(o);
    const now = Date.now();
    while (starts.length && starts[0] < now - 10000) starts.shift();
    const verbs = {draft: ['start', 'stop'], scheduled: ['pause', 'stop'], running: ['pause', 'stop'], paused: ['resume', 'stop']}[k.state] || [];
    const attempts = att.data.attempts.slice(-50).reverse().map(a => `<tr><td><a href="#/a/${a.id}">${a.id}</a></td>
      <td>${esc(a.phone)}</td><td>${a.attempt_no}</td><td>${esc(a.state)}</td><td>${esc(a.outcome)}</td><td>${esc(a.disposition)}</td>
      <td>${clock(a.started_at)}</td></tr>`).join('');
    const v = $('#view');
    // Kept across this page's re-renders only: the page before may be another campaign's.
    const keepReport = rendered && $('#report') ? $('#report').innerHTML : '';
    const keepImports = rendered && $('#imports') ? $('#imports').innerHTML : '';
    rendered = true;
    const gate = all.data.gate || {};
    // Voice-bot latency and tags from the attempts' results (the last 1000).
    const turns = [], first = [], tags = {};
    att.data.attempts.forEach(a => {
      const res = a.result || {}, tm = res.timings || {};
      (tm.turn_latency_ms || []).forEach(v => turns.push(v));
      if (tm.answer_to_first_audio_ms != null) first.push(tm.answer_to_first_audio_ms);
      (res.tags || []).forEach(t => { tags[t] = (tags[t] || 0) + 1; });
    });
    // The window ends now, or at the last event when the runner's clock is ahead (the demo's is).
    const rp = recent.data.points, end = Math.max(now, rp.length ? new Date(rp[rp.length - 1].t).getTime() : 0);
    v.innerHTML = `<div class="card"><div class="row"><h1>${esc(k.name)}</h1>${stateBadge(k, 'state')}
      ${k.can_manage ? verbs.map(b => `<button class="secondary" data-verb="${b}">${b}</button>`).join('') : ''}
      <a href="#/r/${id}">Results and charts</a> <a href="/api/campaigns/${id}/results?format=csv" download>Export CSV</a>
      <a href="#/c/${id}/manage" id="manage">${k.can_manage ? 'Edit · recycle · clone · archive' : 'Details'}</a>
      <span class="live muted" id="live-dot">live</span></div>
      <p class="muted">${esc(k.purpose)} · script ${esc(k.script)}${k.script_version ? ' v' + k.script_version : ''} · trunk ${esc(k.trunk || '-')} · max ${k.max_concurrent} concurrent · max ${k.max_attempts} attempts · pacing ${esc(k.pacing || "one_to_one")}</p>
      ${k.gate_summary ? `<p class="${k.gate_summary.all ? 'error' : 'muted'}" id="gate-summary">${esc(k.gate_summary.text)}</p>` : ''}</div>
      <div class="grid">
        <div class="kpi"><b id="kpi-active">${st.open_attempts}</b><span>active calls</span></div>
        <div class="kpi"><b id="kpi-cps">${(starts.length / 10).toFixed(1)}</b><span>calls/s (10 s)</span></div>
        <div class="kpi"><b id="kpi-answer">${pct(o.answered || 0, finished)}</b><span>answer rate</span></div>
        <div class="kpi"><b id="kpi-contacts">${st.total}</b><span>contacts</span></div>
        <div class="kpi"><b id="kpi-final">${st.contacts.done || 0}</b><span>final</span></div>
        <div class="kpi"><b id="kpi-attempts">${st.attempts}</b><span>attempts</span></div>
        <div class="kpi"><b id="kpi-blocked">${sum(gate)}</b><span>gate blocks/holds</span></div>
        <div class="kpi"><b id="kpi-turn">${median(turns)}</b><span>turn latency p50 (ms)</span></div>
        <div class="kpi"><b id="kpi-first">${median(first)}</b><span>answer → first audio p50 (ms)</span></div>
      </div>
      <div class="card"><h2>Last 10 minutes: calls finished per 10 s, by outcome</h2>${stacked('live-chart', fill(rp, 10, end - 10 * 60 * 1000, end), p => p.finished, {title: 'calls per 10 s'})}</div>
      <div class="cols">
        <div class="card"><h2>Dispositions</h2>${hbars('dispositions', st.dispositions)}</div>
        <div class="card"><h2>Outcomes</h2>${hbars('outcomes', o)}</div>
        <div class="card"><h2>Gate blocks and holds by rule</h2>${hbars('gate', gate, 'no call blocked')}</div>
        <div class="card"><h2>Tags (A/B/C/D…)</h2>${hbars('tags', tags, 'no tags set')}</div>
        <div class="card"><h2>Live events</h2><div class="log" id="events">${log.map(esc).join('<br>') || '<span class="muted">waiting…</span>'}</div></div>
      </div>
      ${k.can_manage ? `<div class="card"><h2>Upload contacts</h2>${uploadForm()}</div>` : ''}
      <div id="c-extra">${$('#c-extra') ? $('#c-extra').innerHTML : ''}</div>
      <div class="card"><h2>Uploads</h2><div id="imports">${keepImports}</div></div>
      <div class="card"><h2>Latest attempts</h2><table id="attempts"><thead><tr><th>#</th><th>Number</th><th>Try</th><th>State</th>
        <th>Outcome</th><th>Disposition</th><th>Started</th></tr></thead><tbody>${attempts || '<tr><td colspan="7" class="muted">none yet</td></tr>'}</tbody></table></div>`;
    v.querySelectorAll('[data-verb]').forEach(b => b.addEventListener('click', async () => {
      const r = await api('POST', `/api/campaigns/${id}/${b.dataset.verb}`);
      if (!r.ok) alert(r.data.error);
      render();
    }));
    if (k.can_manage) { $('#report').innerHTML = keepReport; bindUpload(id, render); }
    sections.forEach(f => f(id, k, $('#c-extra')));
    window.vox.importsCard(id);
  };
  let pending = null;
  const soon = () => { if (!pending) pending = setTimeout(() => { pending = null; render(); }, 700); };
  await render();
  timers.push(setInterval(render, 5000));
  stream = new EventSource(`/api/events?campaign=${id}`);
  const onEvent = e => {
    const ev = JSON.parse(e.data);
    if (ev.type === 'attempt_started') starts.push(Date.now());
    log.unshift(`${clock(ev.at)} ${ev.type} ${ev.attempt_id ? '#' + ev.attempt_id : ''} ${JSON.stringify(ev.data)}`);
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
  const t0 = new Date(a.started_at).getTime();
  const turns = r.data.transcript.map(t => `<tr class="${esc(t.role)}"><td>${(t.start_ms / 1000).toFixed(1)}s</td><td>${esc(t.role)}</td>
    <td>${esc(t.text || (t.dtmf ? '[dtmf ' + t.dtmf + ']' : ''))}</td><td>${esc(t.intent || '')}</td></tr>`).join('');
  // The timeline: SIP/media milestones of the result, then the logged events.
  const tm = res.timings || {};
  // SIP milestones count from the INVITE (the dialer's clock), logged events
  // from the attempt's start (the runner's clock, which tests and the demo may shift).
  const inv = tm.invite_at ? new Date(tm.invite_at).getTime() : t0;
  const marks = [['INVITE sent', tm.invite_at], ['ringing', tm.ringing_at], ['answered', tm.answered_at], ['ended', tm.ended_at]]
    .filter(m => m[1]).map(m => ({at: m[1], off: new Date(m[1]).getTime() - inv, type: m[0], data: ''}));
  if (res.amd && tm.answered_at) marks.push({at: tm.answered_at, off: new Date(tm.answered_at).getTime() - inv + res.amd.decided_ms,
    type: 'AMD: ' + res.amd.verdict, data: `decided ${res.amd.decided_ms} ms after the answer`});
  const evs = marks.concat(r.data.events.map(e => ({at: e.at, off: new Date(e.at).getTime() - t0, type: e.type, data: JSON.stringify(e.data)})))
    .sort((x, y) => x.off - y.off)
    .map(e => `<tr><td>+${(e.off / 1000).toFixed(1)}s</td><td>${esc(e.type)}</td><td class="muted">${esc(e.data)}</td></tr>`).join('');
  const md = res.media || {};
  const canPlay = a.has_recording && !a.masked;
  $('#view').innerHTML = `<div class="card"><h1>Call ${a.id} · ${esc(a.phone)}</h1>
    <p><a href="#/c/${a.campaign_id}">← ${esc(r.data.campaign)}</a></p>
    <table id="call"><tr><th>Outcome</th><td id="call-outcome">${esc(a.outcome || a.state)}</td><th>SIP</th><td>${a.sip_status || ''} ${esc(res.sip_reason || '')}</td></tr>
      <tr><th>Disposition</th><td>${esc(a.disposition)}</td><th>Hung up by</th><td>${esc(a.hangup_by)}</td></tr>
      <tr><th>Started</th><td>${time(a.started_at)}</td><th>Duration</th><td>${(a.duration_ms / 1000).toFixed(1)} s</td></tr>
      <tr><th>Answer → first audio</th><td>${tm.answer_to_first_audio_ms ?? '–'} ms</td><th>Turn latency</th><td>${(tm.turn_latency_ms || []).join(', ') || '–'} ms</td></tr>
      <tr><th>RTP</th><td colspan="3">${md.packets_received ?? '–'} received, ${md.packets_lost ?? '–'} lost, jitter ${md.jitter_ms !== undefined ? md.jitter_ms.toFixed(1) : '–'} ms</td></tr>
      <tr><th>Call-ID</th><td colspan="3">${esc(a.call_id)}</td></tr></table></div>
    <div class="card"><h2>Recording</h2>${canPlay ? `<audio id="recording" controls preload="metadata" src="/api/attempts/${a.id}/recording"></audio>
      <a href="/api/attempts/${a.id}/recording" download>download</a>` : `<p class="muted" id="no-recording">${a.has_recording ? 'Not available to your role.' : 'No recording.'}</p>`}</div>
    <div class="cols"><div class="card"><h2>Transcript</h2><table id="transcript">${turns || '<tr><td class="muted">no transcript</td></tr>'}</table></div>
    <div class="card"><h2>Timeline</h2><table id="timeline">${evs || '<tr><td class="muted empty">No events.</td></tr>'}</table></div></div>`;
  for (const f of attemptHooks) f(a, res);
}

// ---------- compliance ----------

function normalise(s) {
  const d = String(s).trim().replace(/^"|"$/g, '').replace(/[\s().-]/g, '');
  if (/^\+/.test(d)) return d;
  if (/^1\d{10}$/.test(d)) return '+' + d;
  if (/^\d{10}$/.test(d)) return '+1' + d; // NANP national numbers
  return d;
}

async function viewDNC() {
  const edit = can('dnc.edit');
  $('#view').innerHTML = `<div class="card"><h1>Do-not-call lists</h1>
    <form id="dnc-search" class="row" data-safe><input id="dnc-phone" placeholder="+14155550101 (empty: latest entries)">
      <select id="dnc-list"><option value="">every list</option><option>internal</option><option>national</option><option>state</option></select>
      <label class="inline"><input type="checkbox" id="dnc-removed"> removed too</label>
      <button type="submit" data-safe id="dnc-search-submit">Search</button></form>
    <div id="dnc-results"></div></div>
    ${edit ? `<div class="cols"><div class="card"><h2>Add numbers</h2><form id="dnc-add">
      <label>Numbers (one per line) <textarea name="phones" id="dnc-add-phones" rows="3" required></textarea></label>
      <label>List <select name="list"><option>internal</option><option>national</option><option>state</option></select></label>
      <label>Scope (seller, or region for state lists) <input name="scope"></label>
      <label>Reason <input name="reason" id="dnc-add-reason" required></label>
      <button type="submit" id="dnc-add-submit">Add to the list</button> <span id="dnc-add-msg"></span></form></div>
    <div class="card"><h2>Bulk import</h2><form id="dnc-bulk">
      <label>File (one number per line, or a CSV whose first column is the number) <input type="file" id="dnc-file" accept=".csv,.txt,text/csv,text/plain" required></label>
      <label>List <select name="list"><option>internal</option><option>national</option><option>state</option></select></label>
      <label>Scope <input name="scope"></label>
      <label>Reason <input name="reason" id="dnc-bulk-reason" required></label>
      <button type="submit" id="dnc-import">Import</button></form>
      <progress id="dnc-progress" max="1" value="0" hidden></progress><p id="dnc-progress-text" class="muted"></p></div></div>` : ''}`;
  const search = async () => {
    const q = new URLSearchParams();
    const ph = normalise($('#dnc-phone').value);
    if (ph) q.set('phone', ph);
    if ($('#dnc-list').value) q.set('list', $('#dnc-list').value);
    if ($('#dnc-removed').checked) q.set('removed', '1');
    q.set('limit', '200');
    const r = await api('GET', '/api/dnc?' + q);
    if (!r.ok) { $('#dnc-results').innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
    const rows = r.data.entries.map(e => `<tr data-phone="${esc(e.phone)}"><td>${esc(e.phone)}</td><td>${esc(e.list)}</td><td>${esc(e.scope)}</td>
      <td>${time(e.listed_at)}</td><td>${esc(e.added_by)}</td><td>${esc(e.reason)}</td><td>${esc(e.source)}</td>
      <td>${e.removed_at ? `removed ${time(e.removed_at)} by ${esc(e.removed_by)}: ${esc(e.removed_reason)}` : ''}</td>
      <td>${edit && !e.removed_at ? `<form class="dnc-remove row" data-list="${esc(e.list)}" data-scope="${esc(e.scope)}" data-phone="${esc(e.phone)}">
        <input name="reason" placeholder="reason" required><button type="submit" class="secondary">Remove</button></form>` : ''}</td></tr>`).join('');
    $('#dnc-results').innerHTML = `<table id="dnc-table"><thead><tr><th>Number</th><th>List</th><th>Scope</th><th>Listed</th><th>By</th><th>Reason</th>
      <th>Source</th><th>Removed</th><th></th></tr></thead><tbody>${rows || '<tr><td colspan="9" class="muted">no entries</td></tr>'}</tbody></table>`;
    $$('.dnc-remove').forEach(f => f.addEventListener('submit', async e => {
      e.preventDefault();
      const r = await api('POST', '/api/dnc/remove', {phone: f.dataset.phone, list: f.dataset.list, scope: f.dataset.scope, reason: new FormData(f).get('reason')});
      if (!r.ok) { alert(r.data.error); return; }
      search();
    }));
  };
  $('#dnc-search').addEventListener('submit', e => { e.preventDefault(); search(); });
  if (edit) {
    $('#dnc-add').addEventListener('submit', async e => {
      e.preventDefault();
      const f = new FormData(e.target);
      const phones = String(f.get('phones')).split(/\n/).map(normalise).filter(Boolean);
      const bad = phones.filter(p => !E164.test(p));
      if (bad.length) { $('#dnc-add-msg').className = 'error'; $('#dnc-add-msg').textContent = 'not a number: ' + bad.join(', '); return; }
      const r = await api('POST', '/api/dnc', {phones, list: f.get('list'), scope: f.get('scope'), reason: f.get('reason')});
      $('#dnc-add-msg').className = r.ok ? 'ok' : 'error';
      $('#dnc-add-msg').textContent = r.ok ? `${r.data.added} added` : r.data.error;
      if (r.ok) { $('#dnc-phone').value = phones.length === 1 ? phones[0] : ''; search(); }
    });
    $('#dnc-bulk').addEventListener('submit', async e => {
      e.preventDefault();
      const f = new FormData(e.target);
      const text = await $('#dnc-file').files[0].text();
      const lines = text.split(/\r?\n/);
      const phones = [], bad = [];
      lines.forEach((l, i) => {
        const first = l.split(',')[0];
        if (!first.trim() || (i === 0 && /[a-z]/i.test(first))) return; // blank, header
        const p = normalise(first);
        (E164.test(p) ? phones : bad).push(E164.test(p) ? p : `line ${i + 1}: ${first.trim()}`);
      });
      const bar = $('#dnc-progress'), txt = $('#dnc-progress-text');
      txt.className = 'muted'; txt.textContent = ''; // a new import: the last one's error goes
      bar.hidden = false; bar.max = Math.max(1, phones.length); bar.value = 0;
      let added = 0;
      for (let i = 0; i < phones.length; i += 200) {
        const chunk = phones.slice(i, i + 200);
        const r = await api('POST', '/api/dnc', {phones: chunk, list: f.get('list'), scope: f.get('scope'), reason: f.get('reason')});
        if (!r.ok) { txt.className = 'error'; txt.textContent = `stopped at number ${i + 1}: ${r.data.error}`; return; }
        added += r.data.added;
        bar.value = i + chunk.length;
        txt.textContent = `${i + chunk.length} of ${phones.length} numbers sent, ${added} added`;
      }
      txt.className = 'ok';
      txt.innerHTML = `done: ${phones.length} numbers, ${added} added${bad.length ? `, ${bad.length} skipped (${esc(bad.slice(0, 5).join('; '))}${bad.length > 5 ? '…' : ''})` : ''}`;
      search();
    });
  }
  search();
}

async function viewConsent() {
  const edit = can('consent.edit');
  $('#view').innerHTML = `<div class="card"><h1>Consent ledger</h1>
    <form id="consent-search" class="row" data-safe><input id="consent-phone" placeholder="+14155550101"><input id="consent-seller" placeholder="seller">
      <button type="submit" data-safe>Search</button></form><div id="consent-results"></div></div>
    ${edit ? `<div class="card"><h2>Record consent</h2><form id="consent-add" class="form2">
      <label>Number <input name="phone" required></label><label>Seller <input name="seller" required></label>
      <label>Kind <select name="kind"><option>written</option><option>express</option><option>direct</option></select></label>
      <label>Purposes <input name="scope" value="collections" placeholder="collections, informational"></label>
      <label>Source <input name="source" placeholder="web form, call recording, …"></label>
      <label>Given at <input name="given_at" type="datetime-local" required></label>
      <label>Expires at (empty: does not expire) <input name="expires_at" id="consent-expires" type="datetime-local"></label>
      <label>Evidence (the notice shown) <input name="evidence_text"></label>
      <label class="inline"><input type="checkbox" name="artificial_voice" checked> covers artificial voice</label>
      <div><button type="submit" id="consent-add-submit">Record</button> <span id="consent-msg"></span></div></form></div>
    <div class="card"><h2>Bulk import</h2><form id="consent-bulk">
      <label>CSV with a header: <code>phone,seller,kind,scope,given_at</code> and optionally <code>source,evidence_text,artificial_voice</code>
        (scope: purposes separated by <code>;</code>) <input type="file" id="consent-file" accept=".csv,text/csv" required></label>
      <button type="submit" id="consent-import">Import</button></form>
      <progress id="consent-progress" max="1" value="0" hidden></progress><p id="consent-progress-text" class="muted"></p>
      <table id="consent-errors"></table></div>` : ''}`;
  // Without a number: the newest records, 50 a page (before: the next page's start).
  const search = async (before = 0) => {
    const q = new URLSearchParams();
    const ph = $('#consent-phone').value ? normalise($('#consent-phone').value) : '';
    if (ph) q.set('phone', ph);
    if ($('#consent-seller').value) q.set('seller', $('#consent-seller').value);
    if (!ph && before) q.set('before', before);
    const r = await api('GET', '/api/consent?' + q);
    if (!r.ok) { $('#consent-results').innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
    const now = Date.now();
    const rows = r.data.consents.map(c => `<tr><td>${esc(c.phone)}</td><td>${esc(c.seller)}</td><td>${esc(c.kind)}</td><td>${esc((c.scope || []).join(', '))}</td>
      <td>${c.artificial_voice ? 'yes' : 'no'}</td><td>${time(c.given_at)}</td><td>${c.expires_at ? time(c.expires_at) : '<span class="muted">never</span>'}</td><td>${esc(c.source)}</td>
      <td>${c.revoked_at ? `revoked ${time(c.revoked_at)} via ${esc(c.revoked_via)}` : c.expires_at && new Date(c.expires_at).getTime() <= now ? 'expired' : 'active'}</td>
      <td>${edit && !c.revoked_at ? `<button class="secondary consent-revoke" data-phone="${esc(c.phone)}" data-seller="${esc(c.seller)}">Revoke</button>` : ''}</td></tr>`).join('');
    const title = ph ? `Consents of ${esc(ph)}` : before ? 'Older consents' : 'Latest consents';
    $('#consent-results').innerHTML = `<h2 id="consent-title">${title}</h2><table id="consent-table"><thead><tr><th>Number</th><th>Seller</th><th>Kind</th><th>Purposes</th><th>AI voice</th>
      <th>Given</th><th>Expires</th><th>Source</th><th>State</th><th></th></tr></thead><tbody>${rows || `<tr><td colspan="10" class="muted empty">${ph ? 'No consent records for this number.' : 'No consent records yet.'}</td></tr>`}</tbody></table>
      <div class="row">${before ? '<button type="button" class="secondary" id="consent-newest" data-safe>Newest</button>' : ''}
        ${r.data.next_before ? `<button type="button" class="secondary" id="consent-older" data-safe data-before="${r.data.next_before}">Older</button>` : ''}</div>`;
    if ($('#consent-older')) $('#consent-older').addEventListener('click', () => search(+$('#consent-older').dataset.before));
    if ($('#consent-newest')) $('#consent-newest').addEventListener('click', () => search());
    $$('.consent-revoke').forEach(b => b.addEventListener('click', async () => {
      const r = await api('POST', '/api/consent/revoke', {phone: b.dataset.phone, seller: b.dataset.seller});
      if (!r.ok) alert(r.data.error);
      search();
    }));
  };
  $('#consent-search').addEventListener('submit', e => { e.preventDefault(); search(); });
  if (edit) {
    const f0 = $('#consent-add');
    f0.given_at.value = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    f0.addEventListener('submit', async e => {
      e.preventDefault();
      const f = new FormData(f0);
      const body = {phone: normalise(f.get('phone')), seller: f.get('seller'), kind: f.get('kind'), source: f.get('source'),
        scope: String(f.get('scope')).split(/[\s,]+/).filter(Boolean), artificial_voice: !!f.get('artificial_voice'),
        evidence_text: f.get('evidence_text'), given_at: new Date(f.get('given_at')).toISOString()};
      if (f.get('expires_at')) body.expires_at = new Date(f.get('expires_at')).toISOString();
      const r = await api('POST', '/api/consent', body);
      $('#consent-msg').className = r.ok ? 'ok' : 'error';
      $('#consent-msg').textContent = r.ok ? 'recorded' : r.data.error;
      if (r.ok) { $('#consent-phone').value = body.phone; search(); }
    });
    $('#consent-bulk').addEventListener('submit', async e => {
      e.preventDefault();
      const rows = parseCSV(await $('#consent-file').files[0].text());
      const head = (rows.shift() || []).map(h => h.trim().toLowerCase());
      const errors = [], todo = [];
      const missing = ['phone', 'seller', 'given_at'].filter(h => !head.includes(h));
      if (missing.length) errors.push([1, missing.join(', '), 'missing column']);
      else rows.forEach((r, i) => {
        const line = i + 2, v = k => (r[head.indexOf(k)] || '').trim();
        if (r.every(x => !x.trim())) return;
        const phone = normalise(v('phone')), at = new Date(v('given_at'));
        if (!E164.test(phone)) return errors.push([line, 'phone', `"${v('phone')}" is not a phone number`]);
        if (!v('seller')) return errors.push([line, 'seller', 'required']);
        if (isNaN(at)) return errors.push([line, 'given_at', `"${v('given_at')}" is not a date`]);
        todo.push({line, body: {phone, seller: v('seller'), kind: v('kind') || 'express', scope: v('scope').split(';').map(x => x.trim()).filter(Boolean),
          given_at: at.toISOString(), source: v('source') || 'bulk import', evidence_text: v('evidence_text'),
          artificial_voice: /^(1|true|yes)$/i.test(v('artificial_voice'))}});
      });
      const bar = $('#consent-progress'), txt = $('#consent-progress-text');
      txt.className = 'muted'; txt.textContent = ''; $('#consent-errors').innerHTML = ''; // a new import: the last one's errors go
      bar.hidden = false; bar.max = Math.max(1, todo.length); bar.value = 0;
      let done = 0, ok = 0;
      const worker = async () => {
        for (let t = todo.shift(); t; t = todo.shift()) {
          const r = await api('POST', '/api/consent', t.body);
          if (r.ok) ok++; else errors.push([t.line, '', r.data.error]);
          bar.value = ++done;
          txt.textContent = `${done} of ${bar.max} rows sent, ${ok} recorded`;
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      txt.className = errors.length ? 'error' : 'ok';
      txt.textContent = `done: ${ok} recorded, ${errors.length} rejected`;
      errors.sort((a, b) => a[0] - b[0]);
      $('#consent-errors').innerHTML = errors.length ? `<thead><tr><th>Line</th><th>Field</th><th>Reason</th></tr></thead><tbody>${errors.map(e =>
        `<tr><td>${e[0]}</td><td>${esc(e[1] || '-')}</td><td>${esc(e[2])}</td></tr>`).join('')}</tbody>` : '';
      search();
    });
  }
  search();
}

// parseCSV reads RFC 4180 CSV (quoted fields, doubled quotes) into rows of strings.
function parseCSV(text) {
  const rows = [];
  let row = [], f = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (c === '"') q = false; else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(f); rows.push(row); row = []; f = '';
    } else f += c;
  }
  if (f || row.length) { row.push(f); rows.push(row); }
  return rows;
}

async function viewAudit(phone) {
  if (!['admin', 'compliance', 'manager'].includes(me.user.role)) {
    $('#view').innerHTML = '<div class="card"><h1>Audit</h1><p class="muted">The gate\'s audit trail is for admin, compliance and managers.</p></div>';
    return;
  }
  $('#view').innerHTML = `<div class="card"><h1>Why was / wasn't this number called?</h1>
    <form id="audit-search" class="row" data-safe><input id="audit-phone" placeholder="+14155550101" value="${esc(phone)}">
      <button type="submit" data-safe id="audit-submit">Search</button></form>
    <p class="muted">Every gate decision, newest first, with the rules that decided it; each record is hash-chained.</p>
    <div id="audit-results"></div></div>`;
  const search = async () => {
    const ph = normalise($('#audit-phone').value);
    const r = await api('GET', '/api/audit?limit=200' + (ph ? '&phone=' + encodeURIComponent(ph) : ''));
    if (!r.ok) { $('#audit-results').innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
    const ds = r.data.decisions;
    const last = ds[0];
    const verdict = !ph ? '' : !last ? `<p id="audit-verdict" class="muted">The gate never decided on ${esc(ph)}.</p>` :
      `<p id="audit-verdict" class="${last.decision === 'allow' ? 'ok' : 'error'}">Last decision for ${esc(last.phone)}: <b>${esc(last.decision)}</b>
       ${(last.record.rules || []).length ? 'by ' + esc(last.record.rules.join(', ')) : ''} — ${esc(last.record.reason || '')} (${time(last.decided_at)})</p>`;
    const rows = ds.map(d => `<tr class="decision-${esc(d.decision)}"><td>${time(d.decided_at)}</td><td>${esc(d.phone)}</td>
      <td>${d.campaign_name ? `<a href="#/c/${esc(d.campaign)}">${esc(d.campaign_name)}</a>` : esc(d.campaign)}</td>
      <td class="stage" title="${d.stage === 'lease' ? 'asked before the contact was leased for dialling' : d.stage === 'invite' ? 'asked again right before the INVITE' : ''}">${esc(d.stage || '–')}</td>
      <td><span class="state ${d.decision === 'allow' ? 'running' : 'paused'}">${esc(d.decision)}</span></td>
      <td>${esc((d.record.rules || []).join(', '))}</td><td>${esc(d.record.reason || '')}</td>
      <td><details><summary>record</summary><pre>${esc(JSON.stringify(d.record, null, 1))}</pre></details></td></tr>`).join('');
    $('#audit-results').innerHTML = `${verdict}<p class="muted">The gate decides twice per call: at <b>lease</b> (before the contact is taken for dialling)
      and at <b>invite</b> (right before the call is placed).</p><table id="audit-table"><thead><tr><th>Decided</th><th>Number</th><th>Campaign</th><th>Stage</th><th>Decision</th>
      <th>Rules</th><th>Reason</th><th></th></tr></thead><tbody>${rows || '<tr><td colspan="8" class="muted empty">No gate decisions yet.</td></tr>'}</tbody></table>`;
  };
  $('#audit-search').addEventListener('submit', e => { e.preventDefault(); search(); });
  search();
}

// ---------- webhooks ----------

async function viewWebhooks() {
  const [w, cs] = await Promise.all([api('GET', '/api/webhooks?inactive=1'), api('GET', '/api/campaigns')]);
  const byID = Object.fromEntries(cs.data.campaigns.map(c => [c.id, c]));
  const manages = h => isAdmin() || (h.campaign_id && byID[h.campaign_id] && byID[h.campaign_id].can_manage);
  const mine = cs.data.campaigns.filter(c => c.can_manage);
  const rows = w.data.webhooks.map(h => `<tr><td>${h.id}</td><td>${h.campaign_id ? esc((byID[h.campaign_id] || {}).name || h.campaign_id) : '<i>every campaign</i>'}</td>
    <td>${esc(h.url)}</td><td>${esc(h.description)}</td><td>${h.active ? 'active' : 'disabled'}</td><td>${esc(h.created_by)}</td>
    <td><button class="secondary hook-log" data-safe data-id="${h.id}">Deliveries</button>
      ${h.active && manages(h) ? `<button class="secondary hook-disable" data-id="${h.id}">Disable</button>` : ''}</td></tr>`).join('');
  $('#view').innerHTML = `<div class="card"><h1>Webhooks on call end</h1>
    <p class="muted">Every finished call is POSTed as JSON, signed: <code>X-Voxdial-Signature: t=&lt;unix&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;body&gt;")&gt;</code>;
      failed deliveries are retried with exponential back-off.</p>
    <table id="webhooks"><thead><tr><th>#</th><th>Campaign</th><th>URL</th><th>Description</th><th>State</th><th>By</th><th></th></tr></thead>
    <tbody>${rows || '<tr><td colspan="7" class="muted">no webhooks</td></tr>'}</tbody></table><div id="hook-log"></div></div>
    ${isAdmin() || mine.length ? `<div class="card"><h2>Add a webhook</h2><form id="hook-add" class="form2">
      <label>Campaign <select name="campaign_id">${isAdmin() ? '<option value="0">every campaign</option>' : ''}${mine.map(c => `<option value="${c.id}">${esc(c.name)}</option>`).join('')}</select></label>
      <label>URL <input name="url" placeholder="https://crm.example/voxdial" required></label>
      <label>Description <input name="description"></label>
      <div><button type="submit" id="hook-add-submit">Add</button> <span id="hook-msg"></span></div></form></div>` : ''}`;
  $$('.hook-disable').forEach(b => b.addEventListener('click', async () => {
    const r = await api('POST', `/api/webhooks/${b.dataset.id}/disable`);
    if (!r.ok) alert(r.data.error);
    viewWebhooks();
  }));
  $$('.hook-log').forEach(b => b.addEventListener('click', async () => {
    const r = await api('GET', `/api/webhooks/${b.dataset.id}/deliveries`);
    const rows = r.data.deliveries.map(d => `<tr><td>${d.id}</td><td><a href="#/a/${d.attempt_id}">${d.attempt_id}</a></td><td>${esc(d.state)}</td>
      <td>${d.tries}</td><td>${d.last_status || ''} ${esc(d.last_error)}</td><td>${d.state === 'pending' ? time(d.next_try_at) : ''}</td>
      <td>${(d.try_log || []).map(t => `${t.try_no}: ${t.status || esc(t.error)} (${t.duration_ms} ms)`).join('<br>')}</td></tr>`).join('');
    $('#hook-log').innerHTML = `<h2>Deliveries of webhook ${b.dataset.id}</h2><table id="deliveries"><thead><tr><th>#</th><th>Attempt</th><th>State</th><th>Tries</th>
      <th>Last</th><th>Next try</th><th>Log</th></tr></thead><tbody>${rows || '<tr><td colspan="7" class="muted">none yet</td></tr>'}</tbody></table>`;
  }));
  const form = $('#hook-add');
  if (form) form.addEventListener('submit', async e => {
    e.preventDefault();
    const f = new FormData(form);
    const r = await api('POST', '/api/webhooks', {campaign_id: +f.get('campaign_id'), url: f.get('url'), description: f.get('description')});
    if (!r.ok) { $('#hook-msg').className = 'error'; $('#hook-msg').textContent = r.data.error; return; }
    await viewWebhooks();
    $('#hook-msg').className = 'ok';
    $('#hook-msg').innerHTML = `added; its signing secret (shown once): <code id="hook-secret">${esc(r.data.secret)}</code>`;
  });
}

boot();

// ---------- the surface other screen files use ----------

// window.vox is what ui/*.js screen files see: they register a route with
// vox.screen(/^#\/name/, m => view(m)) and use the same helpers as this file.
window.vox = {
  $, $$, esc, api, can, isAdmin, time, clock, hbars, stacked, line, sum, pct, color, fill,
  csrf: () => csrf, ready: () => !!me,
  screen: (re, view) => screens.push({re, view}),
  campaignSection: f => sections.push(f), // f(id, campaign, el) after each render of the campaign page
  onAttempt: f => attemptHooks.push(f), // f(attempt, result) after the call page renders
  every: (fn, ms) => timers.push(setInterval(fn, ms)),
  setStream: s => { stream = s; },
};
