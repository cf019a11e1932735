// Compliance registers a seller with caller IDs (a bad caller ID is refused, then the error
// goes with the fix) and uploads registry copies: an old one shows stale in red with its rule,
// a fresh one fresh. Admin creates a user, changes its role, and creates a token that works
// (shown once), then revokes it.
export default async function (t) {
  const { cfg, pages, session, shot, fail, step } = t;
  const cora = pages.compliance || await session('compliance');
  await cora.goto(cfg.base + '/#/sellers');
  await cora.waitForSelector('#seller-form');
  await cora.fill('#seller-id', 'flowco');
  await cora.fill('#seller-name', 'Flow Collections Ltd');
  await cora.fill('#seller-callers', '+12125550300\n12345');
  await cora.click('#seller-save');
  await cora.waitForSelector('#seller-msg.error:has-text("12345")');
  await cora.fill('#seller-callers', '+12125550300\n+12125550301');
  await cora.click('#seller-save');
  await cora.waitForSelector('#seller-msg.ok:has-text("2 caller IDs")');
  const sellerRow = await cora.textContent('#sellers tr[data-seller="flowco"]');
  if (!/\+12125550301/.test(sellerRow) || !/Flow Collections Ltd/.test(sellerRow)) fail('seller row: ' + sellerRow);
  // Edit: the form takes the seller's settings.
  await cora.click('.seller-edit[data-id="flowco"]');
  if ((await cora.inputValue('#seller-callers')) !== '+12125550300\n+12125550301') fail('edit form: ' + (await cora.inputValue('#seller-callers')));
  await cora.fill('#seller-callers', '+12125550300');
  await cora.click('#seller-save');
  await cora.waitForSelector('#seller-msg.ok:has-text("1 caller ID")');
  step('compliance registered seller flowco');

  // Registry copies: a bad file is refused by line; an old copy is stale, a new one fresh.
  const upload = async (name, body, asOf) => {
    await cora.selectOption('#registry-list', 'national');
    if (asOf) await cora.fill('#registry-asof', asOf);
    await cora.setInputFiles('#registry-file', { name, mimeType: 'text/plain', buffer: Buffer.from(body) });
    await cora.click('#registry-submit');
    // Both the answer and a refusal name the file (the last upload's message may still show).
    await cora.waitForSelector(`#registry-msg.ok:has-text("${name}"), #registry-msg.error:has-text("${name}")`);
    return cora.textContent('#registry-msg');
  };
  const old = new Date(Date.now() - 60 * 86400e3).toISOString().slice(0, 10);
  let msg = await upload('national-bad.txt', '+14155550981\nnot a number\n', old);
  if (!/national-bad\.txt/.test(msg) || !(await cora.$('#registry-msg.error'))) fail('bad registry file: ' + msg);
  msg = await upload('national-old.txt', '+14155550981\n+14155550982\n', old);
  if (!/2 numbers/.test(msg) || !(await cora.$('#registry-msg.ok'))) fail('old registry copy: ' + msg);
  if (+(await cora.getAttribute('#registry-progress', 'value')) !== +(await cora.getAttribute('#registry-progress', 'max'))) fail('progress not full');
  const staleRow = await cora.textContent('#registry tr[data-list="national"]');
  const age = +(staleRow.match(/(\d+) days old/) || [])[1];
  if (!(await cora.$('#registry tr.stale[data-list="national"] td.age.error')) || !(age > 31) || !/DNC_SNAPSHOT_STALE: at most 31 days/.test(staleRow)) {
    fail('an old national copy is not shown stale with its rule: ' + staleRow);
  }
  await shot(cora, 'registry-stale');
  step(`registry copy as of ${old}: ${age} days old, stale`);
  msg = await upload('national-new.txt', '+14155550981\n+14155550982\n+14155550983\n', new Date().toISOString().slice(0, 10));
  const freshRow = await cora.textContent('#registry tr[data-list="national"]');
  if (!/3 numbers/.test(msg) || (await cora.$('#registry tr.stale[data-list="national"]')) || !/fresh/.test(freshRow)) fail('fresh copy: ' + msg + ' / ' + freshRow);
  await shot(cora, 'sellers');
  step('registry copy replaced: ' + freshRow.replace(/\s+/g, ' ').trim());

  // Consent: the latest records show before any search; a consent recorded with an expiry
  // lists it. Audit: each decision's stage (lease, invite) and campaign name.
  await cora.goto(cfg.base + '/#/consent');
  await cora.waitForSelector('#consent-title:has-text("Latest consents")');
  const latest = await cora.$$eval('#consent-table tbody tr', (trs) => trs.length);
  if (latest < 2) fail(`the consent ledger lists ${latest} rows before a search`);
  await cora.fill('#consent-add input[name=phone]', '+14155550888');
  await cora.fill('#consent-add input[name=seller]', cfg.seller);
  await cora.fill('#consent-expires', '2030-01-31T12:00');
  await cora.click('#consent-add-submit');
  await cora.waitForSelector('#consent-msg.ok');
  await cora.waitForSelector('#consent-title:has-text("+14155550888")');
  const consentRow = await cora.textContent('#consent-table tbody tr');
  if (!/2030/.test(consentRow)) fail('the consent row shows no expiry: ' + consentRow);
  await cora.goto(cfg.base + '/#/audit');
  await cora.waitForSelector('#audit-table td.stage');
  const stages = await cora.$$eval('#audit-table td.stage', (tds) => [...new Set(tds.map((td) => td.textContent.trim()))]);
  if (!stages.includes('lease') || !stages.includes('invite')) fail('audit stages: ' + JSON.stringify(stages));
  const names = await cora.$$eval('#audit-table tbody tr td:nth-child(3)', (tds) => [...new Set(tds.map((td) => td.textContent.trim()))]);
  if (names.some((n) => /^\d+$/.test(n))) fail('audit shows a campaign id instead of its name: ' + JSON.stringify(names));
  step(`consent with expiry recorded (${latest} latest listed); audit stages ${stages.join(', ')}, campaigns ${names.join(', ')}`);

  // Admin: a user, its role, a token.
  const admin = pages.admin || await session('admin');
  await admin.goto(cfg.base + '/#/users');
  await admin.waitForSelector('#users');
  await admin.fill('#user-add-name', 'flowuser');
  await admin.selectOption('#user-add-role', 'collections');
  await admin.fill('#user-add-password', 'password1');
  await admin.click('#user-add-submit');
  await admin.waitForSelector('#user-add-msg.error:has-text("password")');
  await admin.fill('#user-add-password', 'a flow of calls 77');
  await admin.click('#user-add-submit');
  await admin.waitForSelector('#users tr[data-user="flowuser"]');
  if ((await admin.textContent('#user-add-msg')).trim()) fail('the refused password error stayed: ' + (await admin.textContent('#user-add-msg')));
  await admin.selectOption('#users tr[data-user="flowuser"] .user-role', 'manager');
  await admin.waitForSelector('#users-msg.ok:has-text("flowuser is now manager")');
  await admin.click('#users tr[data-user="flowuser"] .user-tokens');
  await admin.waitForSelector('#token-list');
  await admin.fill('#token-name', 'flow-crm');
  await admin.click('#token-create');
  await admin.waitForSelector('#token-secret');
  const secret = (await admin.textContent('#token-secret')).trim();
  if (!secret.startsWith('vxd_')) fail('token secret: ' + secret);
  const whoAmI = (s) => admin.evaluate(async (sec) => {
    const r = await fetch('/api/me', { headers: { Authorization: 'Bearer ' + sec }, credentials: 'omit' });
    return { status: r.status, body: await r.json() };
  }, s);
  let me = await whoAmI(secret);
  if (me.status !== 200 || me.body.user.name !== 'flowuser' || me.body.user.role !== 'manager') fail('the new token: ' + JSON.stringify(me));
  await shot(admin, 'users');
  await admin.click('#token-list tr[data-token="flow-crm"] .token-revoke');
  await admin.waitForSelector('#token-list tr[data-token="flow-crm"] .state.paused');
  if (await admin.$('#token-secret')) fail('the secret is shown again after the revoke');
  me = await whoAmI(secret);
  if (me.status !== 401) fail('a revoked token answered ' + me.status);
  step('admin created flowuser (manager) and a token that worked until revoked');
}
