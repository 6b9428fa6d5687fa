// Board templates, dossier fields and follow-ups on the coordinator's and the room's pages
// (issue 16, API.md section 13), in French by default: a coordinator builds a template in the
// board's editor (a bounded number with a step, a choice with its choices, a yes/no), moves a
// field, saves it (version 1), and the API returns it; a faulty template (a bad key, a choice
// without choices, a minimum above the maximum) is refused control by control, all at once,
// and nothing is sent; a refusal of the server (`fields[1].choices`) lands at its control; the
// follow-up delay is saved through the settings card; a member reads the template. The live
// room's dossier pane shows the dossier's fields with their labels (900 and 390 px). The
// activity report shows the 90th percentile beside the median, the follow-ups (asked, answered,
// applied yes/partly/no) and one chart per choice or yes/no field, each with its table; and the
// pages do not scroll sideways at 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { buildWorld, sessionWith } from './lib/world.js';
import { launch, personPage, signIn, screenshot, assertNoProblems, assertNoSidewaysScroll } from './lib/browser.js';
import { decideInRoom } from './lib/room.js';

let server;
let browser;
let world;
let coordToken;
let referrerToken;
const dossiers = {};

before(async () => {
  server = await startServer();
  browser = await launch();
  world = await buildWorld(server);
  coordToken = await world.rest.login(world.coordinator.email);
  referrerToken = await world.rest.login(world.referrer.email);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

/** No sideways scroll, and no element past the right edge that no box clips. */
async function assertFits(page, what) {
  const o = await assertNoSidewaysScroll(page, what);
  assert.deepEqual(o.wide, [], `${what}: elements past the right edge`);
}

/** A submitted dossier of the referrer with these field values, through the API. */
async function dossierWith(title, fields) {
  const d = await world.rest.call('POST', '/api/dossiers', referrerToken, {
    board_id: world.board.id,
    title,
    patient: { pseudonym: `PSN-${Math.random().toString(36).slice(2, 8)}`, birth_year: 1984, sex: 'female' },
    question: 'Escalate to a high-efficacy therapy?',
    consent: true,
    fields,
  });
  return world.rest.call('POST', `/api/dossiers/${d.id}/submit`, referrerToken);
}

/**
 * Decisions on these dossiers over the room's socket as any client would: per dossier the chair
 * opens a vote, the three specialists cast, the chair closes it. Returns the decisions.
 */
async function decide(page, sessionId, dossierIds) {
  const voterTokens = await Promise.all(world.specialists.map((s) => world.rest.login(s.email)));
  const decisions = [];
  for (const dossierId of dossierIds) {
    decisions.push(await decideInRoom(page, {
      sessionId,
      dossierId,
      chairToken: coordToken,
      voterTokens,
      proposal: 'Ocrelizumab',
      options: ['Favorable', 'Défavorable'],
      option: 'Favorable',
      summary: 'Ocrelizumab ; IRM à 6 mois.',
    }));
  }
  return decisions;
}

test('a coordinator builds the template; a faulty one is refused at its controls; the follow-up delay is saved', { timeout: 120000 }, async () => {
  const page = await personPage(browser, server, { width: 1000, height: 900 });
  await signIn(page, world.coordinator);
  await page.goto(`${server.url}/#/boards/${world.board.id}`);
  await page.getByRole('heading', { level: 2, name: 'Modèle de dossier' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
  assert.equal(await page.locator('#tpl-version').innerText(), 'Aucun modèle enregistré (version 0).');
  let puts = 0;
  page.on('request', (r) => { if (r.method() === 'PUT' && r.url().endsWith('/template')) puts += 1; });

  // A number with bounds and a step; its key follows the label until typed.
  await page.getByRole('button', { name: 'Ajouter un champ' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tpl-f0-label', 'the new field’s label has the focus');
  await page.locator('#tpl-f0-label').fill('Score EDSS');
  assert.equal(await page.locator('#tpl-f0-key').inputValue(), 'score_edss');
  await page.locator('#tpl-f0-key').fill('edss');
  await page.locator('#tpl-f0-type').selectOption({ label: 'Nombre' });
  assert.equal(await page.locator('#tpl-f0-choices').isVisible(), false, 'no choices for a number');
  await page.locator('#tpl-f0-min').fill('0');
  await page.locator('#tpl-f0-max').fill('10');
  await page.locator('#tpl-f0-step').fill('0,5');
  await page.locator('#tpl-f0-required').check();
  await page.locator('#tpl-f0-help').fill('Échelle de Kurtzke, par demi-points.');

  // A choice with its choices.
  await page.getByRole('button', { name: 'Ajouter un champ' }).click();
  await page.locator('#tpl-f1-label').fill('Forme évolutive');
  await page.locator('#tpl-f1-key').fill('course');
  await page.locator('#tpl-f1-type').selectOption({ label: 'Choix unique' });
  assert.equal(await page.locator('#tpl-f1-min').isVisible(), false, 'no bounds for a choice');
  await page.locator('#tpl-f1-choices').fill('RR\nSP\nPP\n\nCIS');
  await page.locator('#tpl-f1-required').check();

  // A yes/no, added last and moved up one place.
  await page.getByRole('button', { name: 'Ajouter un champ' }).click();
  await page.locator('#tpl-f2-label').fill('Nouvelles lésions T2');
  await page.locator('#tpl-f2-key').fill('new_lesions');
  await page.locator('#tpl-f2-type').selectOption({ label: 'Oui ou non' });
  await page.getByRole('button', { name: 'Monter — Champ 3 : Nouvelles lésions T2' }).click();
  assert.equal(await page.locator('#tpl-f1-title').innerText(), 'Champ 2 : Nouvelles lésions T2');
  assert.equal(await page.locator('#tpl-f2-title').innerText(), 'Champ 3 : Forme évolutive');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tpl-f1-up', 'the focus follows the moved field');
  await page.locator('#tpl-status', { hasText: 'en position 2' }).waitFor();
  await page.getByLabel('Imagerie', { exact: true }).check();
  await screenshot(page, 'template-01-editor');

  await page.getByRole('button', { name: 'Enregistrer le modèle' }).click();
  await page.locator('#tpl-status', { hasText: 'Modèle enregistré : version 1.' }).waitFor();
  assert.equal(await page.locator('#tpl-version').innerText(), 'Version 1');
  assert.equal(puts, 1);
  const saved = await world.rest.call('GET', `/api/boards/${world.board.id}/template`, coordToken);
  assert.equal(saved.version, 1);
  assert.deepEqual(saved.fields, [
    { key: 'edss', label: 'Score EDSS', type: 'number', required: true, min: 0, max: 10, step: 0.5, help: 'Échelle de Kurtzke, par demi-points.' },
    { key: 'new_lesions', label: 'Nouvelles lésions T2', type: 'boolean', required: false },
    { key: 'course', label: 'Forme évolutive', type: 'choice', required: true, choices: ['RR', 'SP', 'PP', 'CIS'] },
  ]);
  assert.deepEqual(saved.requires_attachment, ['imaging']);
  // The saved fields are listed, folded, with their key and type.
  assert.match(await page.locator('#tpl-f0-meta').innerText(), /edss · Nombre · obligatoire/);
  assert.equal(await page.locator('#tpl-f0-body').isVisible(), false);

  // --- A faulty template: a bad key and a choice without choices on a new field, a minimum
  // above the maximum on the first: every one at its control, nothing sent.
  await page.getByRole('button', { name: 'Ajouter un champ' }).click();
  await page.locator('#tpl-f3-label').fill('Site de l’infection');
  await page.locator('#tpl-f3-key').fill('Site!');
  await page.locator('#tpl-f3-type').selectOption({ label: 'Choix unique' });
  await page.getByRole('button', { name: 'Modifier — Champ 1 : Score EDSS' }).click();
  await page.locator('#tpl-f0-min').fill('12');
  await page.getByRole('button', { name: 'Enregistrer le modèle' }).click();
  await page.locator('#tpl-summary:not([hidden])').waitFor();
  assert.match(await page.locator('#tpl-summary').innerText(), /3 données sont à corriger ; rien n’a été enregistré/);
  for (const [id, message] of [
    ['tpl-f0-min', /Le minimum dépasse le maximum/],
    ['tpl-f3-key', /Une lettre minuscule d’abord/],
    ['tpl-f3-choices', /au moins un choix/],
  ]) {
    assert.equal(await page.locator(`#${id}`).getAttribute('aria-invalid'), 'true', id);
    assert.equal(await page.locator(`#${id}-error`).isVisible(), true, `${id} shows its message`);
    assert.match(await page.locator(`#${id}-error`).innerText(), message);
  }
  assert.equal(await page.locator('#tpl-f0-max').getAttribute('aria-invalid'), null);
  assert.equal(await page.locator('#tpl-f3-label').getAttribute('aria-invalid'), null);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tpl-f0-min', 'the first faulty control has the focus');
  assert.equal(puts, 1, 'nothing was sent');
  assert.equal((await world.rest.call('GET', `/api/boards/${world.board.id}/template`, coordToken)).version, 1);
  assert.equal(await page.locator('#tpl-version').innerText(), 'Version 1');
  await screenshot(page, 'template-02-refused');

  // A refusal of the server lands at the control of the field it names.
  await page.locator('#tpl-f0-min').fill('0');
  await page.locator('#tpl-f3-key').fill('site');
  await page.locator('#tpl-f3-choices').fill('Hanche\nGenou\nRachis');
  await page.route('**/api/boards/*/template', (route) => (route.request().method() === 'PUT'
    ? route.fulfill({
      status: 400,
      contentType: 'application/problem+json',
      body: JSON.stringify({ title: 'Bad Request', status: 400, code: 'invalid_input', field: 'fields[2].choices[1]', detail: 'fields[2].choices[1]: a choice is listed twice' }),
    })
    : route.continue()));
  await page.getByRole('button', { name: 'Enregistrer le modèle' }).click();
  await page.locator('#tpl-f2-choices-error', { hasText: 'Un choix figure deux fois.' }).waitFor();
  assert.equal(await page.locator('#tpl-f2-choices').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#tpl-f2-choices').isVisible(), true, 'the field at fault is opened');
  assert.match(await page.locator('#tpl-summary').innerText(), /Champ 3 : Forme évolutive, Choix possibles : Un choix figure deux fois/);
  await page.unroute('**/api/boards/*/template');

  // Corrected, without the required imaging: version 2.
  await page.getByLabel('Imagerie', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Enregistrer le modèle' }).click();
  await page.locator('#tpl-status', { hasText: 'Modèle enregistré : version 2.' }).waitFor();
  const second = await world.rest.call('GET', `/api/boards/${world.board.id}/template`, coordToken);
  assert.equal(second.version, 2);
  assert.deepEqual(second.fields.map((f) => f.key), ['edss', 'new_lesions', 'course', 'site']);
  assert.deepEqual(second.fields[3].choices, ['Hanche', 'Genou', 'Rachis']);
  assert.deepEqual(second.requires_attachment, []);

  // --- The follow-up delay, in the settings card: out of range refused, then saved.
  const followUp = page.getByLabel('Suivi des avis (jours après la décision)');
  assert.equal(await followUp.inputValue(), '90', 'the default delay');
  assert.match(await page.locator('#bs-follow-up-hint').innerText(), /0 : pas de suivi/);
  let patches = 0;
  page.on('request', (r) => { if (r.method() === 'PATCH') patches += 1; });
  await followUp.fill('4000');
  await page.getByRole('button', { name: 'Enregistrer les paramètres' }).click();
  await page.locator('#bs-follow-up-error', { hasText: 'de 0 à 3650' }).waitFor();
  assert.equal(patches, 0);
  await followUp.fill('30');
  await page.getByRole('button', { name: 'Enregistrer les paramètres' }).click();
  await page.locator('#bs-status', { hasText: 'Paramètres enregistrés.' }).waitFor();
  assert.equal((await world.rest.call('GET', `/api/boards/${world.board.id}`, coordToken)).follow_up_days, 30);
  assert.match(await page.locator('#board-follow-up').innerText(), /30 jours après la décision/);
  assert.equal(await page.getByLabel('Suivi des avis (jours après la décision)').inputValue(), '30');
  // The template kept its version through the page's reload.
  assert.equal(await page.locator('#tpl-version').innerText(), 'Version 2');

  // The editor fits a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Modifier — Champ 1 : Score EDSS' }).click();
  await assertFits(page, 'the board page at 390 px');
  await screenshot(page, 'template-03-board-390');
  assertNoProblems(page);

  // A member reads the template; no editor.
  const member = await personPage(browser, server, { width: 390, height: 844 });
  await signIn(member, world.specialists[0]);
  await member.goto(`${server.url}/#/boards/${world.board.id}`);
  await member.locator('#template-fields').waitFor();
  assert.equal(await member.locator('#template-form').count(), 0);
  assert.equal(await member.locator('#template-fields tbody tr').count(), 4);
  const edss = await member.locator('#template-fields tr[data-key="edss"]').innerText();
  assert.match(edss, /Score EDSS/);
  assert.match(edss, /De 0 à 10/);
  assert.match(edss, /Par pas de 0,5/);
  assert.match(await member.locator('#template-fields tr[data-key="site"]').innerText(), /Choix : Hanche · Genou · Rachis/);
  assert.match(await member.locator('#template-attachments').innerText(), /Aucune pièce jointe exigée/);
  await assertFits(member, 'the board page of a member at 390 px');
  await screenshot(member, 'template-04-member-390');
  assertNoProblems(member);
});

test('the room’s dossier pane shows the dossier’s fields with their labels, at 900 and 390 px', { timeout: 120000 }, async () => {
  dossiers.first = await dossierWith('SEP rémittente, deuxième ligne ?', { edss: 3.5, course: 'RR', new_lesions: true, site: 'Genou' });
  dossiers.second = await dossierWith('SEP secondairement progressive', { edss: 6, course: 'SP', new_lesions: false });
  dossiers.third = await dossierWith('Premier événement démyélinisant', { edss: 1, course: 'RR' });
  const session = await sessionWith(world, [dossiers.first.id, dossiers.second.id]);
  dossiers.session = session;

  const chair = await personPage(browser, server, { width: 900, height: 900 });
  await signIn(chair, world.coordinator);
  await chair.goto(`${server.url}/#/sessions/${session.id}/live`);
  await chair.locator('#room-status[data-state="open"]').waitFor({ timeout: 15000 });
  const phone = await personPage(browser, server, { width: 390, height: 844 });
  await signIn(phone, world.specialists[1]);
  await phone.goto(`${server.url}/#/sessions/${session.id}/live`);
  await phone.locator('#room-status[data-state="open"]').waitFor({ timeout: 15000 });

  await chair.getByRole('button', { name: new RegExp(`^Examiner ${dossiers.first.reference}`) }).click();
  for (const page of [chair, phone]) {
    await page.locator('#focus-fields').waitFor();
    assert.equal(await page.locator('#focus-fields-h').innerText(), 'Données du dossier');
    const item = (key) => page.locator(`#focus-fields .case-field[data-key="${key}"]`);
    assert.equal(await item('edss').locator('dt').innerText(), 'Score EDSS');
    assert.equal(await item('edss').locator('dd').innerText(), '3,5');
    assert.equal(await item('new_lesions').locator('dt').innerText(), 'Nouvelles lésions T2');
    assert.equal(await item('new_lesions').locator('dd').innerText(), 'oui');
    assert.equal(await item('course').locator('dt').innerText(), 'Forme évolutive');
    assert.equal(await item('course').locator('dd').innerText(), 'RR');
    assert.equal(await item('site').locator('dt').innerText(), 'Site de l’infection');
    assert.equal(await item('site').locator('dd').innerText(), 'Genou');
    // The template's order.
    assert.deepEqual(await page.locator('#focus-fields .case-field').evaluateAll((els) => els.map((e) => e.dataset.key)),
      ['edss', 'new_lesions', 'course', 'site']);
  }
  await assertFits(chair, 'the room at 900 px');
  await assertFits(phone, 'the room at 390 px');
  await screenshot(chair, 'template-05-room-900');
  await screenshot(phone, 'template-06-room-390');

  // The focus moves: the other dossier's values, a « non » among them.
  await chair.getByRole('button', { name: new RegExp(`^Examiner ${dossiers.second.reference}`) }).click();
  await phone.locator('#focus-fields .case-field[data-key="new_lesions"] dd', { hasText: 'non' }).waitFor();
  assert.equal(await phone.locator('#focus-fields .case-field[data-key="edss"] dd').innerText(), '6');
  assert.equal(await phone.locator('#focus-fields .case-field[data-key="site"]').count(), 0, 'a field without a value is left out');
  assertNoProblems(chair);
  assertNoProblems(phone);
});

test('the activity report: the 90th percentile beside the median, the follow-ups, a chart per field', { timeout: 120000 }, async () => {
  assert.ok(dossiers.session, 'the room test seeded the dossiers');
  const page = await personPage(browser, server, { width: 1000, height: 900 });
  await signIn(page, world.coordinator);
  // Two decisions, decided: two follow-ups scheduled (the board asks after 30 days; one counts as
  // asked once due or answered).
  const decisions = await decide(page, dossiers.session.id, [dossiers.first.id, dossiers.second.id]);
  assert.deepEqual(decisions.map((d) => d.status), ['decided', 'decided']);
  // The referrer answers both: partly applied, then applied.
  await world.rest.call('POST', `/api/decisions/${decisions[0].id}/follow-up`, referrerToken, {
    applied: 'partly', reason: 'Traitement différé de deux mois (grossesse).',
  });
  await world.rest.call('POST', `/api/decisions/${decisions[1].id}/follow-up`, referrerToken, { applied: 'yes' });

  const year = new Date().getFullYear();
  const report = await world.rest.call('GET', `/api/reports/activity?board_id=${world.board.id}&year=${year}`, coordToken);
  assert.deepEqual(report.follow_up, { asked: 2, answered: 2, applied_yes: 1, applied_partly: 1, applied_no: 0 });
  assert.equal(typeof report.p90_days_to_decision, 'number');
  assert.deepEqual(report.fields.course, { RR: 2, SP: 1, PP: 0, CIS: 0 });

  await page.goto(`${server.url}/#/reports`);
  await page.getByRole('heading', { level: 1, name: 'Rapport d’activité' }).waitFor();
  await page.locator('#report-figures').waitFor();
  assert.equal(await page.locator('#r-board').inputValue(), world.board.id);
  assert.match(await page.locator('#fig-received').innerText(), /Dossiers reçus\s+3/);
  assert.match(await page.locator('#fig-decisions').innerText(), /Décisions rendues\s+2/);
  // The 90th percentile right after the median, in days with a decimal comma.
  const days = (n) => new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(n);
  const p90 = await page.locator('#fig-p90').innerText();
  assert.match(p90, /Délai au 90e centile/);
  assert.ok(p90.includes(days(report.p90_days_to_decision)), `${p90} shows ${report.p90_days_to_decision}`);
  assert.match(p90, /jour/);
  assert.equal(await page.locator('#fig-median + #fig-p90').count(), 1, 'beside the median');
  assert.match(await page.locator('#fig-follow-up').innerText(), /Suivis des avis\s+2 réponses sur 2/);

  // The follow-ups: the summary, the split bar and its legend.
  const followUp = page.locator('#report-follow-up');
  assert.equal(await followUp.locator('#follow-up-summary').innerText(), '2 suivis demandés, 2 réponses.');
  const legend = async (part) => followUp.locator(`#follow-up-legend li[data-part="${part}"]`).innerText();
  assert.equal(await legend('yes'), 'Appliqué : 1');
  assert.equal(await legend('partly'), 'En partie : 1');
  assert.equal(await legend('no'), 'Non appliqué : 0');
  assert.equal(await legend('unanswered'), 'Sans réponse : 0');
  const bar = followUp.locator('svg#follow-up-bar');
  assert.equal(await bar.getAttribute('role'), 'img');
  assert.match(await bar.getAttribute('aria-label'), /Suivis demandés : 2\. Avis appliqué : 1 ; en partie : 1 ; non appliqué : 0 ; sans réponse : 0\./);
  assert.equal(await bar.locator('rect[data-part="yes"]').getAttribute('width'), '50%');
  assert.equal(await bar.locator('rect[data-part="partly"]').getAttribute('x'), '50%');
  assert.equal(await bar.locator('rect[data-part="partly"]').getAttribute('width'), '50%');
  assert.equal(await bar.locator('rect[data-part="no"], rect[data-part="unanswered"]').count(), 0, 'no part for nobody');

  // One chart per choice or yes/no field, in the template's order, each with its table.
  const charts = page.locator('#report-fields figure.field-chart');
  assert.deepEqual(await charts.evaluateAll((els) => els.map((e) => e.dataset.key)), ['new_lesions', 'course', 'site']);
  const course = page.locator('#report-fields figure[data-key="course"]');
  assert.equal(await course.locator('h4').innerText(), 'Forme évolutive');
  assert.deepEqual(await course.locator('svg g[data-value]').evaluateAll((gs) => gs.map((g) => [g.dataset.value, g.dataset.count])),
    [['RR', '2'], ['SP', '1'], ['PP', '0'], ['CIS', '0']]);
  const rr = Number.parseFloat(await course.locator('svg g[data-value="RR"] rect.count-bar').getAttribute('width'));
  const sp = Number.parseFloat(await course.locator('svg g[data-value="SP"] rect.count-bar').getAttribute('width'));
  assert.ok(Math.abs(rr - 2 * sp) < 0.01, `RR's bar (${rr}%) is twice SP's (${sp}%)`);
  const table = course.locator('table.field-table');
  assert.match(await table.locator('caption').textContent(), new RegExp(`Forme évolutive : dossiers reçus en ${year}, par valeur`));
  assert.deepEqual(await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent))),
    [['RR', '2'], ['SP', '1'], ['PP', '0'], ['CIS', '0']]);
  const lesions = page.locator('#report-fields figure[data-key="new_lesions"] table.field-table');
  assert.deepEqual(await lesions.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent))),
    [['Oui', '1'], ['Non', '1']]);
  assert.equal(await page.locator('#report-fields figure[data-key="site"] svg g[data-value="Genou"]').getAttribute('data-count'), '1');
  assert.equal(await page.locator('#report-fields figure[data-key="edss"]').count(), 0, 'numbers are not counted');
  await screenshot(page, 'template-07-report');

  for (const width of [900, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await assertFits(page, `the report at ${width} px`);
  }
  await screenshot(page, 'template-08-report-390');
  assertNoProblems(page);
});
