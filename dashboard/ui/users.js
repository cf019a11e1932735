'use strict';
// Users and API tokens (admin only): list, add, change role, disable / enable, reset a
// password, create tokens (the secret is shown once) and revoke them.
(() => {
  const {$, $$, esc, api, isAdmin, time, screen} = window.vox;
  const roles = ['admin', 'marketing', 'collections', 'compliance', 'manager'];

  async function viewUsers(flash) {
    if (!isAdmin()) {
      $('#view').innerHTML = '<div class="card"><h1>Users</h1><p class="muted">Users and API tokens are managed by an admin.</p></div>';
      return;
    }
    const [r, who] = await Promise.all([api('GET', '/api/users'), api('GET', '/api/me')]);
    if (!r.ok) { $('#view').innerHTML = `<p class="error">${esc(r.data.error)}</p>`; return; }
    // Your own role and access are another admin's to change (the API refuses it too).
    const self = u => who.ok && who.data.user.id === u.id ? ' disabled title="another admin changes your own role and access"' : '';
    const rows = r.data.users.map(u => `<tr data-user="${esc(u.name)}" data-id="${u.id}"><td>${esc(u.name)}</td>
      <td><select class="user-role" data-id="${u.id}" aria-label="role of ${esc(u.name)}"${self(u)}>${roles.map(x => `<option${x === u.role ? ' selected' : ''}>${x}</option>`).join('')}</select></td>
      <td>${u.disabled ? '<span class="state paused">disabled</span>' : '<span class="state running">active</span>'}</td><td>${time(u.created_at)}</td>
      <td class="actions"><button type="button" class="secondary user-toggle" data-id="${u.id}" data-disabled="${u.disabled}"${self(u)}>${u.disabled ? 'Enable' : 'Disable'}</button>
        <button type="button" class="secondary user-reset" data-id="${u.id}" data-name="${esc(u.name)}">Reset password</button>
        <button type="button" class="secondary user-tokens" data-id="${u.id}" data-name="${esc(u.name)}" data-safe>Tokens</button></td></tr>`).join('');
    $('#view').innerHTML = `<div class="card"><h1>Users</h1><p id="users-msg" role="status"></p>
      <div class="scroll"><table id="users"><thead><tr><th>Name</th><th>Role</th><th>State</th><th>Created</th><th></th></tr></thead>
      <tbody>${rows || '<tr><td colspan="5" class="muted empty">No users.</td></tr>'}</tbody></table></div></div>
      <div id="tokens"></div>
      <div class="card"><h2>Add a user</h2><form id="user-add" class="form2">
        <label>Name <input name="name" id="user-add-name" required autocomplete="off"></label>
        <label>Role <select name="role" id="user-add-role">${roles.map(x => `<option${x === 'marketing' ? ' selected' : ''}>${x}</option>`).join('')}</select></label>
        <label>Password (at least 8 characters, not a common one) <input name="password" id="user-add-password" type="password" required autocomplete="new-password"></label>
        <div><button type="submit" id="user-add-submit">Add</button> <span id="user-add-msg" role="status"></span></div></form></div>`;
    const say = (cls, html) => { const m = $('#users-msg'); m.className = cls; m.innerHTML = html; };
    if (flash) say(flash[0], flash[1]);
    $$('.user-role').forEach(sel => sel.addEventListener('change', async () => {
      const x = await api('PATCH', '/api/users/' + sel.dataset.id, {role: sel.value});
      if (!x.ok) { await viewUsers(['error', esc(x.data.error)]); return; }
      await viewUsers(['ok', `${esc(x.data.name)} is now ${esc(x.data.role)}`]);
    }));
    $$('.user-toggle').forEach(b => b.addEventListener('click', async () => {
      const x = await api('PATCH', '/api/users/' + b.dataset.id, {disabled: b.dataset.disabled !== 'true'});
      if (!x.ok) { await viewUsers(['error', esc(x.data.error)]); return; }
      await viewUsers(['ok', `${esc(x.data.name)} ${x.data.disabled ? 'disabled (signed out everywhere)' : 'enabled'}`]);
    }));
    $$('.user-reset').forEach(b => b.addEventListener('click', async () => {
      const x = await api('POST', `/api/users/${b.dataset.id}/password`, {});
      if (!x.ok) { say('error', esc(x.data.error)); return; }
      say('ok', `new password for ${esc(b.dataset.name)} (shown once; their sessions ended): <code id="reset-password">${esc(x.data.password)}</code>`);
    }));
    $$('.user-tokens').forEach(b => b.addEventListener('click', () => viewTokens(b.dataset.id, b.dataset.name)));
    $('#user-add').addEventListener('submit', async e => {
      e.preventDefault();
      const f = new FormData(e.target);
      const x = await api('POST', '/api/users', {name: f.get('name'), role: f.get('role'), password: f.get('password')});
      if (!x.ok) { $('#user-add-msg').className = 'error'; $('#user-add-msg').textContent = x.data.error; return; }
      await viewUsers(['ok', `added ${esc(x.data.name)} (${esc(x.data.role)})`]);
    });
  }

  async function viewTokens(id, name, secret) {
    const r = await api('GET', `/api/users/${id}/tokens`);
    const box = $('#tokens');
    if (!r.ok) { box.innerHTML = `<div class="card"><p class="error">${esc(r.data.error)}</p></div>`; return; }
    const rows = r.data.tokens.map(t => `<tr data-token="${esc(t.name)}"><td>${esc(t.name)}</td><td><code>${esc(t.prefix)}…</code></td><td>${time(t.created_at)}</td>
      <td>${t.expires_at ? time(t.expires_at) : 'never'}</td><td>${t.last_used_at ? time(t.last_used_at) : '<span class="muted">never used</span>'}</td>
      <td>${t.revoked ? '<span class="state paused">revoked</span>' : `<button type="button" class="secondary token-revoke" data-id="${t.id}">Revoke</button>`}</td></tr>`).join('');
    box.innerHTML = `<div class="card"><h2>API tokens of ${esc(name)}</h2>
      ${secret ? `<p class="ok" id="token-secret-msg">New token (shown once; copy it now): <code id="token-secret">${esc(secret)}</code></p>` : ''}
      <p id="token-msg" role="status"></p>
      <div class="scroll"><table id="token-list"><thead><tr><th>Name</th><th>Prefix</th><th>Created</th><th>Expires</th><th>Last used</th><th></th></tr></thead>
      <tbody>${rows || '<tr><td colspan="6" class="muted empty">No tokens.</td></tr>'}</tbody></table></div>
      <form id="token-add" class="row"><input name="name" id="token-name" placeholder="token name (e.g. crm-sync)" required>
        <input name="ttl" id="token-ttl" placeholder="lifetime, e.g. 720h (empty: never expires)">
        <button type="submit" id="token-create">Create token</button></form></div>`;
    $$('.token-revoke').forEach(b => b.addEventListener('click', async () => {
      const x = await api('POST', `/api/users/${id}/tokens/${b.dataset.id}/revoke`);
      if (!x.ok) { $('#token-msg').className = 'error'; $('#token-msg').textContent = x.data.error; return; }
      viewTokens(id, name);
    }));
    $('#token-add').addEventListener('submit', async e => {
      e.preventDefault();
      const f = new FormData(e.target);
      const x = await api('POST', `/api/users/${id}/tokens`, {name: f.get('name'), ttl: f.get('ttl')});
      if (!x.ok) { $('#token-msg').className = 'error'; $('#token-msg').textContent = x.data.error; return; }
      viewTokens(id, name, x.data.secret);
    });
    box.scrollIntoView();
  }

  screen(/^#\/users/, () => viewUsers());
})();
