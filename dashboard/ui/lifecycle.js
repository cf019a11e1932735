'use strict';
// Campaign lifecycle screens (docs/campaign-lifecycle.md): #/c/ID/manage edits,
// recycles, clones and archives a campaign; #/archived lists archived campaigns.
// Registered through window.vox (app.js); the API enforces who may do what, the
// screen only hides what the role cannot do.
(() => {
  const {$, $$, esc, api, time, screen} = window.vox;

  // The settings an edit may change any time, and those only while draft or paused.
  const pausedOnly = ['draft', 'paused'];

  async function viewManage(id) {
    const [c, s] = await Promise.all([api('GET', `/api/campaigns/${id}`), api('GET', '/api/scripts')]);
    if (!c.ok) { $('#view').innerHTML = `<p class="error">${esc(c.data.error)}</p>`; return; }
    const k = c.data, st = k.stats || {}, sched = k.schedule || {}, win = sched.window || {};
    const archived = !!k.archived_at;
    const free = pausedOnly.includes(k.state);
    const ended = ['completed', 'stopped'].includes(k.state);
    const scripts = s.ok ? s.data.scripts.map(x => x.name).concat(s.data.builtin || []) : [];
    const counts = (m, kind) => Object.entries(m || {}).filter(([key]) => key !== 'opted_out')
      .map(([key, n]) => `<label class="inline"><input type="checkbox" name="${kind}" value="${esc(key)}"> ${esc(key)} (${n})</label>`).join(' ');
    const outcomes = {};
    for (const [o, n] of Object.entries(st.outcomes || {})) outcomes[o] = n;
    const gs = k.gate_summary;
    let html = `<div class="card"><div class="row"><h1>Manage “${esc(k.name)}”</h1>
        <span class="state ${esc(k.state)}" id="state">${esc(k.state)}</span>${archived ? '<span class="state stopped" id="archived">archived</span>' : ''}
        <a href="#/c/${id}">← Live view</a> <a href="#/r/${id}">Results</a></div>
        <p class="muted">${st.total || 0} contacts · ${(st.contacts || {}).done || 0} final · ${st.attempts || 0} attempts · created ${time(k.created_at)}</p>
        ${gs ? `<p class="${gs.all ? 'error' : 'muted'}" id="gate-summary">${esc(gs.text)}</p>` : ''}</div>`;
    if (!k.can_manage) {
      $('#view').innerHTML = html + '<div class="card"><p class="muted" id="manage-readonly">Read only: only the campaign\'s owner or an admin changes it.</p></div>';
      return;
    }
    if (archived) {
      html += `<div class="card"><h2>Archived</h2><p class="muted">Hidden from the campaign list and read-only; its results are kept.</p>
        <button id="unarchive">Restore</button> <span id="archive-msg"></span></div>`;
    } else {
      html += `<div class="card"><h2>Call again</h2><p class="muted">Final contacts whose last outcome or disposition is ticked are due again,
          with a fresh count of attempts (opted-out contacts never are).</p>
        <form id="recycle"><div><b>Outcomes</b> ${counts(outcomes, 'outcomes') || '<span class="muted">none yet</span>'}</div>
          <div><b>Dispositions</b> ${counts(st.dispositions, 'dispositions') || '<span class="muted">none yet</span>'}</div>
          <div class="row"><button type="submit" id="recycle-submit">Recycle</button> <span id="recycle-msg" role="status"></span></div></form></div>
      <div class="card"><h2>Edit</h2><form id="edit" class="form2">
        <label>Name <input name="name" value="${esc(k.name)}"></label>
        <label>Max concurrent calls <input name="max_concurrent" type="number" min="1" value="${k.max_concurrent}"></label>
        <label>Max attempts per contact <input name="max_attempts" type="number" min="1" value="${k.max_attempts}"></label>
        <label>Caller IDs <input name="caller_ids" value="${esc((k.caller_ids || []).join(', '))}"></label>
        <label>Days <input name="days" value="${esc((sched.days || []).join(' '))}" placeholder="every day"></label>
        <label>Window <input name="window" value="${win.start ? esc(win.start + '-' + win.end) : ''}" placeholder="09:00-20:00"></label>
        <label>End date <input name="end_date" type="date" value="${esc(sched.end_date || '')}"></label>
        <label>Recurring (cron) <input name="cron" value="${esc(sched.cron || '')}"></label>
        <fieldset ${free ? '' : 'disabled'} class="form2 full"><legend>${free ? 'While paused' : 'Pause the campaign to change these'}</legend>
          <label>Script <select name="script"><option value="">(unchanged: ${esc(k.script)})</option>${scripts.map(n => `<option>${esc(n)}</option>`).join('')}</select></label>
          <label>Seller <input name="seller" value="${esc(k.seller)}"></label>
          <label>Purpose <select name="purpose">${['collections', 'informational', 'telemarketing', 'survey']
            .map(p => `<option ${p === k.purpose ? 'selected' : ''}>${p}</option>`).join('')}</select></label>
          <label>Trunk <input name="trunk" value="${esc(k.trunk)}"></label></fieldset>
        <div><button type="submit" id="edit-submit" ${ended ? 'disabled' : ''}>Save</button> <span id="edit-msg" role="status"></span></div></form></div>
      <div class="card"><h2>Clone</h2><form id="clone" class="row">
        <input name="name" placeholder="name of the copy" required>
        <label class="inline"><input type="checkbox" name="contacts"> with its contacts</label>
        <button type="submit" id="clone-submit">Clone</button> <span id="clone-msg" role="status"></span></form></div>
      <div class="card"><h2>Archive</h2><p class="muted">Hides the campaign from the list and makes it read-only; results stay.
        ${ended || k.state === 'draft' ? '' : 'Stop the campaign first.'}</p>
        <button id="archive" class="secondary" ${ended || k.state === 'draft' ? '' : 'disabled'}>Archive</button> <span id="archive-msg"></span></div>`;
    }
    $('#view').innerHTML = html;
    const say = (sel, r, ok) => { $(sel).className = r.ok ? 'ok' : 'error'; $(sel).textContent = r.ok ? ok : r.data.error; };
    const recycle = $('#recycle');
    if (recycle) recycle.addEventListener('submit', async e => {
      e.preventDefault();
      const f = new FormData(recycle);
      const r = await api('POST', `/api/campaigns/${id}/recycle`, {outcomes: f.getAll('outcomes'), dispositions: f.getAll('dispositions')});
      if (r.ok) { await viewManage(id); }
      say('#recycle-msg', r, r.ok ? `${r.data.recycled} contact${r.data.recycled === 1 ? '' : 's'} due again` : '');
    });
    const edit = $('#edit');
    if (edit) edit.addEventListener('submit', async e => {
      e.preventDefault();
      const f = new FormData(edit);
      const list = v => String(v || '').split(/[\s,]+/).filter(Boolean);
      const body = {};
      if (f.get('name') !== k.name) body.name = f.get('name');
      if (+f.get('max_concurrent') !== k.max_concurrent) body.max_concurrent = +f.get('max_concurrent');
      if (+f.get('max_attempts') !== k.max_attempts) body.max_attempts = +f.get('max_attempts');
      if (f.get('caller_ids') !== (k.caller_ids || []).join(', ')) body.caller_ids = list(f.get('caller_ids'));
      const ns = Object.assign({}, sched);
      ns.days = list(f.get('days')).map(d => d.toLowerCase());
      const [ws, we] = String(f.get('window') || '').split('-').map(x => x.trim());
      ns.window = ws && we ? {start: ws, end: we} : undefined;
      ns.end_date = f.get('end_date') || undefined;
      ns.cron = f.get('cron') || undefined;
      const was = [(sched.days || []).join(' '), win.start ? win.start + '-' + win.end : '', sched.end_date || '', sched.cron || ''];
      const now = [f.get('days'), f.get('window'), f.get('end_date'), f.get('cron')].map(v => String(v || '').trim());
      if (now.some((v, i) => v !== was[i])) body.schedule = ns;
      if (free) {
        if (f.get('script')) body.script = f.get('script');
        if (f.get('seller') !== k.seller) body.seller = f.get('seller');
        if (f.get('purpose') !== k.purpose) body.purpose = f.get('purpose');
        if (f.get('trunk') !== k.trunk) body.trunk = f.get('trunk');
      }
      if (!Object.keys(body).length) { $('#edit-msg').className = 'muted'; $('#edit-msg').textContent = 'nothing changed'; return; }
      const r = await api('PATCH', `/api/campaigns/${id}`, body);
      if (r.ok) await viewManage(id);
      say('#edit-msg', r, 'saved');
    });
    const clone = $('#clone');
    if (clone) clone.addEventListener('submit', async e => {
      e.preventDefault();
      const f = new FormData(clone);
      const r = await api('POST', `/api/campaigns/${id}/clone`, {name: f.get('name'), contacts: f.get('contacts') === 'on'});
      if (!r.ok) { say('#clone-msg', r, ''); return; }
      location.hash = `#/c/${r.data.campaign.id}/manage`;
    });
    for (const [sel, verb] of [['#archive', 'archive'], ['#unarchive', 'unarchive']]) {
      const b = $(sel);
      if (b) b.addEventListener('click', async () => {
        const r = await api('POST', `/api/campaigns/${id}/${verb}`);
        if (r.ok) await viewManage(id);
        say('#archive-msg', r, verb === 'archive' ? 'archived' : 'restored');
      });
    }
    $$('#view fieldset[disabled] select, #view fieldset[disabled] input').forEach(el => { el.title = 'pause the campaign to change this'; });
  }

  async function viewArchived() {
    const r = await api('GET', '/api/campaigns?archived=1');
    const rows = (r.data.campaigns || []).map(c => `<tr><td><a href="#/c/${c.id}/manage">${esc(c.name)}</a></td>
      <td><span class="state ${esc(c.state)}">${esc(c.state)}</span></td><td>${esc(c.purpose)}</td><td>${time(c.archived_at)}</td>
      <td><a href="#/r/${c.id}">results</a></td></tr>`).join('');
    $('#view').innerHTML = `<div class="card"><div class="row"><h1>Archived campaigns</h1><a href="#/campaigns">← Campaigns</a></div>
      <table id="archived-campaigns"><thead><tr><th>Name</th><th>State</th><th>Purpose</th><th>Archived</th><th></th></tr></thead>
      <tbody>${rows || '<tr><td colspan="5" class="muted">No archived campaigns.</td></tr>'}</tbody></table></div>`;
  }

  screen(/^#\/c\/(\d+)\/manage$/, m => viewManage(+m[1]));
  screen(/^#\/archived$/, () => viewArchived());
})();
