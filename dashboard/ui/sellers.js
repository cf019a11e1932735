'use strict';
// Sellers and caller IDs, and the registry copies (DNC registry imports) with their age:
// a copy older than its rule allows (or none at all) is shown stale, in red, with the rule.
// Compliance and admin register sellers and upload registry copies (with progress).
(() => {
  const {$, $$, esc, api, can, time, screen} = window.vox;
  const E164 = /^\+[1-9][0-9]{6,14}$/;

  async function viewSellers() {
    const edit = can('dnc.edit');
    const [s, g] = await Promise.all([api('GET', '/api/sellers'), api('GET', '/api/dnc/registry')]);
    if (!s.ok || !g.ok) { $('#view').innerHTML = `<p class="error">${esc((s.ok ? g : s).data.error)}</p>`; return; }
    const rows = s.data.sellers.map(x => `<tr data-seller="${esc(x.id)}"><td>${esc(x.id)}</td><td>${esc(x.name)}</td>
      <td>${x.caller_ids.map(esc).join('<br>')}</td><td>${x.platform_suppression ? 'yes' : 'no'}</td><td>${time(x.updated_at)}</td>
      <td>${edit ? `<button type="button" class="secondary seller-edit" data-id="${esc(x.id)}">Edit</button>` : ''}</td></tr>`).join('');
    const copies = g.data.copies.map(c => {
      const rule = c.rule ? `${esc(c.rule.rule)}: at most ${c.rule.max_age_days} days old (${esc(c.rule.source)})` : 'no age rule';
      const age = c.missing ? 'never imported' : `${c.age_days} day${c.age_days === 1 ? '' : 's'} old`;
      return `<tr class="${c.stale ? 'stale' : ''}" data-list="${esc(c.list)}" data-scope="${esc(c.scope || '')}"><td>${esc(c.list)}${c.scope ? ' ' + esc(c.scope) : ''}</td>
        <td>${esc(c.as_of || '–')}</td><td class="${c.stale ? 'error' : 'ok'} age"><b>${c.stale ? 'stale' : 'fresh'}</b> · ${age}</td><td class="muted">${rule}</td>
        <td>${c.missing ? '' : Number(c.numbers).toLocaleString()}</td><td>${c.missing ? '' : `${esc(c.imported_by)}, ${time(c.imported_at)}`}</td>
        <td class="muted">${esc(c.source || '')}</td></tr>`;
    }).join('');
    $('#view').innerHTML = `<div class="card"><h1>Sellers and caller IDs</h1>
      <p class="muted">The gate holds a campaign's calls when its caller ID is not one of its seller's.</p>
      <div class="scroll"><table id="sellers"><thead><tr><th>Seller</th><th>Name</th><th>Caller IDs</th><th>Platform suppression</th><th>Updated</th><th></th></tr></thead>
      <tbody>${rows || '<tr><td colspan="6" class="muted empty">No sellers registered yet.</td></tr>'}</tbody></table></div></div>
      ${edit ? `<div class="card"><h2 id="seller-form-title">Register a seller</h2><form id="seller-form" class="form2">
        <label>Seller id <input name="id" id="seller-id" required placeholder="acme"></label>
        <label>Registered name <input name="name" id="seller-name" placeholder="Acme Lending Inc."></label>
        <label>Caller IDs (one per line or comma-separated) <textarea name="caller_ids" id="seller-callers" rows="2" required placeholder="+12125550000"></textarea></label>
        <label class="inline"><input type="checkbox" name="platform_suppression" id="seller-platform"> every seller's internal DNC entries also block this seller</label>
        <div><button type="submit" id="seller-save">Save</button> <span id="seller-msg" role="status"></span></div></form></div>` : ''}
      <div class="card"><h1>Registry copies</h1>
      <p class="muted">The current copy of each do-not-call registry; its age is counted from its date (as of) in calendar days, as the gate does.</p>
      <div class="scroll"><table id="registry"><thead><tr><th>List</th><th>As of</th><th>Freshness</th><th>Rule</th><th>Numbers</th><th>Imported</th><th>File</th></tr></thead>
      <tbody>${copies || '<tr><td colspan="7" class="muted empty">No registry copies.</td></tr>'}</tbody></table></div></div>
      ${edit ? `<div class="card"><h2>Upload a registry copy</h2><form id="registry-upload" class="form2">
        <label>List <select name="list" id="registry-list"><option value="national">US National DNC</option><option value="state">US state list</option>
          <option value="tps">UK TPS/CTPS</option><option value="decline">CN decline-calls</option></select></label>
        <label>Region (state lists) <input name="region" id="registry-region" placeholder="US-TX"></label>
        <label>As of (the download date) <input name="as_of" id="registry-asof" type="date" required></label>
        <label>File (one number per line) <input type="file" id="registry-file" accept=".txt,.csv,text/plain,text/csv" required></label>
        <div><button type="submit" id="registry-submit">Upload and replace the copy</button></div></form>
        <progress id="registry-progress" max="1" value="0" hidden></progress><p id="registry-msg" role="status"></p></div>` : ''}`;
    if (!edit) return;
    const form = $('#seller-form');
    $$('.seller-edit').forEach(b => b.addEventListener('click', () => {
      const x = s.data.sellers.find(y => y.id === b.dataset.id);
      $('#seller-id').value = x.id; $('#seller-id').readOnly = true;
      $('#seller-name').value = x.name; $('#seller-callers').value = x.caller_ids.join('\n');
      $('#seller-platform').checked = x.platform_suppression;
      $('#seller-form-title').textContent = 'Edit seller ' + x.id;
      $('#seller-msg').textContent = '';
      form.scrollIntoView();
    }));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const f = new FormData(form), m = $('#seller-msg');
      const ids = String(f.get('caller_ids')).split(/[\s,]+/).filter(Boolean);
      const bad = ids.filter(x => !E164.test(x));
      if (bad.length) { m.className = 'error'; m.textContent = 'not an E.164 number: ' + bad.join(', '); return; }
      const r = await api('PUT', '/api/sellers/' + encodeURIComponent(String(f.get('id')).trim()),
        {name: f.get('name'), caller_ids: ids, platform_suppression: !!f.get('platform_suppression')});
      if (!r.ok) { m.className = 'error'; m.textContent = r.data.error; return; }
      await viewSellers();
      $('#seller-msg').className = 'ok';
      $('#seller-msg').textContent = `seller ${r.data.id} saved with ${r.data.caller_ids.length} caller ID${r.data.caller_ids.length === 1 ? '' : 's'}`;
    });
    $('#registry-asof').value = new Date().toISOString().slice(0, 10);
    $('#registry-upload').addEventListener('submit', async e => {
      e.preventDefault();
      const file = $('#registry-file').files[0], m = $('#registry-msg'), bar = $('#registry-progress');
      if (!file) return;
      const q = new URLSearchParams({list: $('#registry-list').value, as_of: $('#registry-asof').value, file: file.name});
      if ($('#registry-list').value === 'state') q.set('region', $('#registry-region').value.trim());
      const me = await api('GET', '/api/me');
      $('#registry-submit').disabled = true;
      bar.hidden = false; bar.max = file.size || 1; bar.value = 0;
      m.className = 'muted'; m.textContent = 'uploading…';
      // XMLHttpRequest: fetch reports no upload progress.
      const res = await new Promise(resolve => {
        const x = new XMLHttpRequest();
        x.open('POST', '/api/dnc/registry?' + q);
        x.setRequestHeader('X-CSRF-Token', me.data.csrf_token || '');
        x.setRequestHeader('Content-Type', 'text/plain');
        x.upload.addEventListener('progress', ev => {
          if (!ev.lengthComputable) return;
          bar.max = ev.total; bar.value = ev.loaded;
          m.textContent = `uploading: ${Math.round(100 * ev.loaded / ev.total)} % of ${(ev.total / 1e6).toFixed(1)} MB`;
          if (ev.loaded === ev.total) m.textContent = 'uploaded; reading the numbers…';
        });
        x.addEventListener('load', () => { let d = {}; try { d = JSON.parse(x.responseText); } catch (_) { d = {error: x.responseText}; } resolve({ok: x.status < 300, data: d}); });
        x.addEventListener('error', () => resolve({ok: false, data: {error: 'upload failed: the connection broke'}}));
        x.send(file);
      });
      $('#registry-submit').disabled = false;
      if (!res.ok) { m.className = 'error'; m.textContent = res.data.error; return; }
      await viewSellers();
      const done = $('#registry-progress');
      done.hidden = false; done.max = 1; done.value = 1;
      const c = res.data.copy;
      $('#registry-msg').className = 'ok';
      $('#registry-msg').textContent = `${c.list}${c.scope ? ' ' + c.scope : ''}: ${Number(c.numbers).toLocaleString()} numbers as of ${c.as_of} imported from ${c.source}`;
    });
  }

  screen(/^#\/sellers/, () => viewSellers());
})();
