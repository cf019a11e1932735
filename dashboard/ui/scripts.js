'use strict';
// Scripts: the list (names and versions, never the server's paths), an editor with the
// lint's problems inline at their lines, saving a new version, and "try it": a text
// conversation with the editor's script on the server (POST /api/scripts/try), showing
// the state and intent of every turn.
(() => {
  const {$, $$, esc, api, can, time, screen} = window.vox;

  async function viewScripts() {
    const r = await api('GET', '/api/scripts');
    if (!r.ok) { $('#view').innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
    const up = can('scripts.upload');
    const rows = r.data.scripts.map(s => `<tr data-name="${esc(s.name)}"><td><a href="#/scripts/edit/${encodeURIComponent(s.name)}">${esc(s.name)}</a></td>
      <td>${s.version ? 'v' + s.version : '<span class="muted">not versioned yet</span>'}</td><td>${time(s.modified)}</td>
      <td>${s.size} bytes</td><td>${s.can_change ? 'yours to change' : '<span class="muted">read only</span>'}</td></tr>`).join('');
    const builtin = r.data.builtin.map(n => `<tr data-name="${esc(n)}"><td><a href="#/scripts/edit/${encodeURIComponent(n)}">${esc(n)}</a></td>
      <td>${up ? `<a class="button secondary" href="#/scripts/new?from=${encodeURIComponent(n)}">Start a script from it</a>` : ''}</td></tr>`).join('');
    $('#view').innerHTML = `<div class="card"><div class="row"><h1>Scripts</h1>
      ${up ? '<a href="#/scripts/new" class="button" id="script-new">New script</a>' : ''}</div>
      <p class="muted">Each save is a new version; a campaign stays on the version it was created with.</p>
      <div class="scroll"><table id="scripts-list"><thead><tr><th>Name</th><th>Version</th><th>Saved</th><th>Size</th><th></th></tr></thead>
      <tbody>${rows || '<tr><td colspan="5" class="muted empty">No scripts yet. Start one from a built-in script below.</td></tr>'}</tbody></table></div></div>
      <div class="card"><h2>Built-in scripts</h2><div class="scroll"><table id="scripts-builtin"><tbody>${builtin ||
        '<tr><td class="muted empty">none</td></tr>'}</tbody></table></div></div>`;
  }

  // editor: name (or "" for a new script), the template to start from.
  async function viewEditor(name, from) {
    let doc = {name: '', source: '', can_change: can('scripts.upload'), builtin: false};
    if (name || from) {
      const r = await api('GET', '/api/scripts/' + encodeURIComponent(name || from));
      if (!r.ok) { $('#view').innerHTML = `<div class="card"><p class="error">${esc(r.data.error)}</p><a href="#/scripts">← Scripts</a></div>`; return; }
      doc = r.data;
      if (from) doc = {name: '', source: r.data.source, can_change: can('scripts.upload'), builtin: false};
    }
    const editable = doc.can_change && !doc.builtin;
    const suggested = from ? from.replace(/^asset:/, '').replace(/\.en\.yaml$/, '.yaml') : '';
    $('#view').innerHTML = `<div class="card"><p><a href="#/scripts">← Scripts</a></p>
      <div class="row"><h1>${name ? esc(name) : 'New script'}</h1>${doc.version ? `<span class="state" id="script-version">v${doc.version}</span>` : ''}
        ${doc.builtin ? '<span class="muted">built in, read only</span>' : ''}</div>
      ${doc.created_by ? `<p class="muted">version ${doc.version} saved by ${esc(doc.created_by)} ${time(doc.created_at)}</p>` : ''}
      ${!name && editable ? `<label>File name <input id="script-name" placeholder="payment-reminder.yaml" value="${esc(suggested)}"></label>` : ''}
      <div class="editor"><pre id="script-gutter" aria-hidden="true"></pre>
        <textarea id="script-source" spellcheck="false" wrap="off" rows="24" ${editable ? '' : 'readonly'}>${esc(doc.source)}</textarea></div>
      <div class="row"><button type="button" id="script-lint" class="secondary" data-safe>Lint</button>
        ${editable ? '<button type="button" id="script-save">Save as a new version</button>' : ''}
        <span id="script-msg" role="status"></span></div>
      <div id="lint-results"></div></div>
      <div class="card"><h2>Try it</h2>
        <p class="muted">A text conversation with the script above (as it is in the editor, saved or not). Type what the caller says, or
          <code>#dtmf 1</code>, <code>#silence</code>, <code>#hangup</code>. Fields the script needs and you leave out take a sample value.</p>
        <form id="try-start" class="row" data-safe><input id="try-vars" placeholder="first_name=Ana, amount=120.50 (optional)">
          <button type="submit" id="try-start-submit" class="secondary" data-safe>Start the conversation</button></form>
        <div id="try-log" class="chat"><p class="muted empty">No conversation yet.</p></div>
        <form id="try-turn" class="row" data-safe><input id="try-input" placeholder="what the caller says" disabled>
          <button type="submit" id="try-send" data-safe disabled>Send</button>
          <button type="button" class="secondary try-quick" data-safe data-input="#silence" disabled>Silence</button>
          <button type="button" class="secondary try-quick" data-safe data-input="#hangup" disabled>Hang up</button></form>
        <p id="try-msg" role="status"></p></div>`;
    const src = $('#script-source'), gutter = $('#script-gutter');
    let problems = [];
    const drawGutter = () => {
      const n = src.value.split('\n').length;
      const bad = new Map(problems.map(p => [p.line, p]));
      let h = '';
      for (let i = 1; i <= n; i++) {
        const p = bad.get(i);
        h += p ? `<span class="bad" title="${esc(p.message)}">${i} !</span>\n` : `${i}\n`;
      }
      gutter.innerHTML = h;
      gutter.scrollTop = src.scrollTop;
    };
    src.addEventListener('scroll', () => { gutter.scrollTop = src.scrollTop; });
    const fileName = () => name || ($('#script-name') && $('#script-name').value.trim()) || 'script.yaml';
    const msg = (el, cls, text) => { el.className = cls; el.textContent = text; };
    const showProblems = rep => {
      problems = (rep.problems || []).concat((rep.warnings || []).map(w => Object.assign({warning: true}, w)));
      const rows = problems.map(p => `<tr class="${p.warning ? 'warn' : 'error'}" data-line="${p.line}"><td><a href="#" class="goto" data-line="${p.line}">line ${p.line}</a></td>
        <td>${p.warning ? 'warning' : 'error'}</td><td>${esc(p.message)}</td><td class="muted">${esc(p.field || '')}</td></tr>`).join('');
      $('#lint-results').innerHTML = rep.ok && !problems.length
        ? `<p class="ok" id="lint-ok">Lint: no problems (${rep.states} states, ${rep.intents} intents).</p>`
        : `<p class="${rep.ok ? 'ok' : 'error'}" id="lint-summary">${rep.ok ? 'Lint: fine, with warnings' : `Lint: ${rep.problems.length} problem${rep.problems.length === 1 ? '' : 's'}`}</p>
           <div class="scroll"><table id="lint-problems"><thead><tr><th>Line</th><th></th><th>Message</th><th>Field</th></tr></thead><tbody>${rows}</tbody></table></div>`;
      $$('#lint-results .goto').forEach(a => a.addEventListener('click', e => { e.preventDefault(); gotoLine(+a.dataset.line); }));
      drawGutter();
    };
    const gotoLine = line => {
      const lines = src.value.split('\n');
      const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
      src.focus();
      src.setSelectionRange(start, start + (lines[line - 1] || '').length);
      src.scrollTop = Math.max(0, (line - 5) * 18);
    };
    const lint = async () => {
      const r = await api('POST', '/api/scripts/lint', {name: fileName(), source: src.value});
      if (!$('#lint-results')) return; // the editor was left while the lint was on its way
      if (!r.ok) { $('#lint-results').innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
      showProblems(r.data);
      // The save's refusal is stale once the problems are fixed.
      if (r.data.ok && $('#script-msg').className === 'error') msg($('#script-msg'), '', '');
    };
    let pending = null;
    src.addEventListener('input', () => { drawGutter(); clearTimeout(pending); pending = setTimeout(lint, 700); });
    $('#script-lint').addEventListener('click', lint);
    drawGutter();
    if (doc.source) lint();
    const save = $('#script-save');
    if (save) save.addEventListener('click', async () => {
      const n = fileName();
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.ya?ml$/.test(n)) { msg($('#script-msg'), 'error', 'file name: want a name like payment-reminder.yaml'); return; }
      save.disabled = true;
      const r = await api('PUT', '/api/scripts/' + encodeURIComponent(n), {source: src.value});
      save.disabled = false;
      if (r.status === 422) { showProblems(r.data); msg($('#script-msg'), 'error', 'not saved: fix the problems below'); return; }
      if (!r.ok) { msg($('#script-msg'), 'error', r.data.error); return; }
      showProblems(r.data);
      msg($('#script-msg'), 'ok', `saved as version ${r.data.version}`);
      if (!name) history.replaceState(null, '', '#/scripts/edit/' + encodeURIComponent(n));
      name = n;
    });

    // Try it.
    const log = $('#try-log');
    const setTurnEnabled = on => $$('#try-turn input, #try-turn button').forEach(el => { el.disabled = !on; });
    const drawConv = c => {
      const turns = c.turns.map(t => {
        const what = t.text || (t.dtmf ? `[key ${t.dtmf}]` : t.event ? `[${t.event}]` : '');
        const meta = [t.intent ? `intent <b>${esc(t.intent)}</b>` : '', `state ${esc(t.state)}`, t.branch ? `branch ${esc(t.branch)}` : ''].filter(Boolean).join(' · ');
        return `<div class="turn ${t.role === 'bot' ? 'bot' : 'caller'}" data-role="${esc(t.role)}" data-state="${esc(t.state)}" data-intent="${esc(t.intent || '')}">
          <span class="who">${t.role === 'bot' ? 'bot' : 'caller'}</span> ${esc(what)} <span class="muted meta">${meta}</span></div>`;
      }).join('');
      const vars = Object.entries(c.vars || {}).map(([k, v]) => `${esc(k)}=${esc(v)}`).join(', ');
      log.innerHTML = (vars ? `<p class="muted">with ${vars}</p>` : '') + (turns || '<p class="muted empty">The bot has said nothing yet.</p>') +
        (c.done ? `<p id="try-ended" class="ok">Call ended: ${esc(c.end)}${c.disposition ? `, disposition <b>${esc(c.disposition)}</b>` : ''}. Start again to try another path.</p>`
          : `<p class="muted" id="try-state">waiting for the caller in state <b>${esc(c.state)}</b> (${c.caller_turns} of ${c.max_turns} turns)</p>`);
      log.scrollTop = log.scrollHeight;
      setTurnEnabled(!c.done);
      if (!c.done) $('#try-input').focus();
    };
    $('#try-start').addEventListener('submit', async e => {
      e.preventDefault();
      const vars = {};
      for (const kv of $('#try-vars').value.split(/[,;]\s*/).filter(x => x.includes('='))) {
        const i = kv.indexOf('=');
        vars[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
      }
      const r = await api('POST', '/api/scripts/try', {name: fileName(), source: src.value, vars});
      if (!r.ok) { msg($('#try-msg'), 'error', r.data.error); setTurnEnabled(false); return; }
      msg($('#try-msg'), '', '');
      drawConv(r.data);
    });
    const send = async input => {
      const r = await api('POST', '/api/scripts/try/turn', {input});
      if (!r.ok) { msg($('#try-msg'), 'error', r.data.error); return; }
      msg($('#try-msg'), '', '');
      $('#try-input').value = '';
      drawConv(r.data);
    };
    $('#try-turn').addEventListener('submit', e => { e.preventDefault(); if ($('#try-input').value.trim()) send($('#try-input').value); });
    $$('.try-quick').forEach(b => b.addEventListener('click', () => send(b.dataset.input)));
  }

  screen(/^#\/scripts\/edit\/(.+)$/, m => viewEditor(decodeURIComponent(m[1]), ''));
  screen(/^#\/scripts\/new(?:\?from=(.*))?$/, m => viewEditor('', m[1] ? decodeURIComponent(m[1]) : ''));
  screen(/^#\/scripts\/?$/, () => viewScripts());
})();
