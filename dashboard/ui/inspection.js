// Quality inspection (智能质检): the compliance officer's list of calls that
// failed their post-call inspection, each with its failing rules and where in
// the call they failed, linking to the call detail; and a campaign's sentiment
// and inspection figures. docs/inspection.md explains the rules.
(() => {
  const {$, esc, api, time, hbars, pct} = window.vox;

  const secs = ms => (ms / 1000).toFixed(1) + ' s';
  const num = v => v === null || v === undefined ? '–' : v.toFixed(2);

  async function view() {
    const cs = await api('GET', '/api/campaigns');
    const campaigns = cs.ok ? cs.data.campaigns : [];
    const q = new URLSearchParams((location.hash.split('?')[1]) || '');
    const sel = q.get('campaign') || '';
    $('#view').innerHTML = `<div class="card"><h1>Quality inspection</h1>
      <p class="muted">Calls that failed their campaign's inspection rules after the call, newest first: the rule, where in the call it
        failed (from the answer) and what was found. Open a call to read its transcript and hear its recording.</p>
      <form id="insp-filter" class="form2">
        <label>Campaign <select id="insp-campaign"><option value="">every campaign</option>
          ${campaigns.map(c => `<option value="${c.id}"${String(c.id) === sel ? ' selected' : ''}>${esc(c.name)}</option>`).join('')}</select></label>
        <label>Rule <select id="insp-rule"><option value="">any rule</option>
          ${['disclosure', 'opt_out_offer', 'forbidden_word', 'sensitive_word', 'talk_over', 'silence', 'min_call', 'max_call']
            .map(r => `<option${r === q.get('rule') ? ' selected' : ''}>${r}</option>`).join('')}</select></label>
      </form>
      <div id="insp-quality"></div>
      <div id="insp-results" class="scroll"></div></div>`;
    const load = async () => {
      const campaign = $('#insp-campaign').value, rule = $('#insp-rule').value;
      const qs = new URLSearchParams({limit: '200'});
      if (campaign) qs.set('campaign', campaign);
      if (rule) qs.set('rule', rule);
      const r = await api('GET', '/api/inspection?' + qs);
      if (!r.ok) { $('#insp-results').innerHTML = `<p class="error" id="insp-error">${esc(r.data.error)}</p>`; return; }
      // At phone width the started time, number and details give way (class wide) to
      // the call, its rule and offset.
      const rows = r.data.failures.map(f => `<tr class="insp-row" data-attempt="${f.attempt_id}">
        <td><a href="#/a/${f.attempt_id}" class="insp-call">${f.attempt_id}</a></td>
        <td><span class="state paused insp-rule">${esc(f.rule)}</span></td><td class="num insp-offset">${secs(f.offset_ms)}</td>
        <td>${esc(f.campaign_name)}</td><td class="wide">${time(f.started_at)}</td><td class="wide">${esc(f.phone)}</td>
        <td class="wide"><ul class="insp-failures">${(f.failures || []).map(x => `<li><b>${esc(x.rule)}</b> at ${secs(x.offset_ms)} (${esc(x.who)}): ${esc(x.detail)}</li>`).join('')}</ul></td></tr>`).join('');
      $('#insp-results').innerHTML = `<table id="insp-table"><thead><tr><th>Call</th><th>First failing rule</th><th>At</th><th>Campaign</th>
        <th class="wide">Started</th><th class="wide">Number</th><th class="wide">Every failure</th></tr></thead>
        <tbody>${rows || '<tr><td colspan="7" class="muted" id="insp-none">no failing calls</td></tr>'}</tbody></table>`;
      if (!campaign) { $('#insp-quality').innerHTML = ''; return; }
      const fq = await api('GET', `/api/campaigns/${campaign}/quality`);
      if (!fq.ok) return;
      const d = fq.data;
      $('#insp-quality').innerHTML = `<div class="cols"><div><h2>Caller sentiment</h2><table id="insp-sentiment" class="counts">
          <tr><td>calls scored</td><td class="num">${d.scored}</td></tr>
          <tr><td>mean sentiment (−1 … +1)</td><td class="num">${num(d.mean_sentiment)}</td></tr>
          <tr><td>most negative call</td><td class="num">${num(d.min_sentiment)}</td></tr>
          <tr><td>calls with an angry turn</td><td class="num">${d.angry} (${pct(d.angry, d.scored)})</td></tr>
          <tr><td>mean voice arousal (0 … 1)</td><td class="num">${num(d.mean_arousal)}</td></tr></table></div>
        <div><h2>Inspection: ${d.passed} of ${d.inspected} passed (${pct(d.passed, d.inspected)})</h2>
          ${hbars('insp-by-rule', d.by_rule, 'no failures')}</div></div>`;
    };
    $('#insp-campaign').addEventListener('change', load);
    $('#insp-rule').addEventListener('change', load);
    await load();
  }

  window.vox.screen(/^#\/inspection/, () => view());
})();
