// The board's template as a French referring physician meets it (API.md section 13): the MS
// board's fields in the new-dossier form (a control per type, help, bounds, marks), a bad EDSS
// refused at its field (by the page, and by the server when the template changed meanwhile),
// the submission gate naming every missing item at once (fields by label, the imaging the board
// asks for), the values completed in the page (only what changed is sent; a cleared value is
// sent as null), an imaging file attached, the dossier submitted, the values saved with their
// JSON types; a dossier written against an older version of the template (the server's list,
// the raw key where the current template no longer has it). Then the follow-up of the advice: the
// due list on « Mes dossiers », « Partiellement » refused without a reason, saved with one,
// shown on the page and in the decision's JSON. No sideways scrolling at 390 px; French by default.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer } from './lib/server.js';
import { buildWorld, sessionWith } from './lib/world.js';
import { launch, personPage, screenshot, assertNoProblems, signInByApi, assertNoSidewaysScroll } from './lib/browser.js';
import { dicomFile } from './lib/dicom.js';
import { decideInRoom } from './lib/room.js';

const run = promisify(execFile);
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let server;
let browser;
let world;
let coordinatorToken;

// The MS board's template, as its coordinator writes it.
const MS_TEMPLATE = {
  fields: [
    { key: 'edss', label: 'EDSS', type: 'number', required: true, min: 0, max: 10, step: 0.5, help: 'Score EDSS au dernier examen.' },
    { key: 'course', label: 'Forme évolutive', type: 'choice', required: true, choices: ['RR', 'SP', 'PP', 'CIS'] },
    { key: 'current_dmt', label: 'Traitement de fond actuel', type: 'choice', required: false, choices: ['aucun', 'natalizumab', 'ocrélizumab', 'autre'] },
    { key: 'relapses_12m', label: 'Poussées sur les 12 derniers mois', type: 'number', required: false, min: 0, max: 20, step: 1 },
    { key: 'new_lesions', label: 'Nouvelles lésions T2 ou rehaussées par le gadolinium', type: 'boolean', required: true },
  ],
  requires_attachment: ['imaging'],
};

before(async () => {
  server = await startServer();
  world = await buildWorld(server);
  browser = await launch();
  coordinatorToken = await world.rest.login(world.coordinator.email);
  const put = await world.rest.call('PUT', `/api/boards/${world.board.id}/template`, coordinatorToken, MS_TEMPLATE);
  assert.equal(put.fields.length, 5);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

async function referrerToken() {
  return world.rest.login(world.referrer.email);
}

/** A REST call expected to fail: its status and problem document. */
async function refused(method, urlPath, token, body) {
  const res = await fetch(server.url + urlPath, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: res.status, problem: await res.json() };
}

/** axe-core on the page as it stands: no serious or critical violation. */
async function accessible(page, what) {
  // Evaluated rather than added as a script tag: the pages' CSP stays on.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(await readFile(AXE, 'utf8'));
  assert.ok(await page.evaluate(() => typeof window.axe?.run === 'function'), 'axe is loaded');
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
  assert.deepEqual(violations, [], `axe on ${what}`);
}

/** The JSON bodies of the dossier PATCHes the page sends. */
function watchPatches(page) {
  const bodies = [];
  page.on('request', (req) => {
    if (req.method() === 'PATCH' && /\/api\/dossiers\/[^/]+$/.test(req.url())) bodies.push(JSON.parse(req.postData() || '{}'));
  });
  return bodies;
}

test('the MS template in the new-dossier form; every missing item at once; completed, imaging attached, submitted', { timeout: 150000 }, async () => {
  const page = await personPage(browser, server);
  const patches = watchPatches(page);
  await signInByApi(page, server.url, world.referrer);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
  await page.getByRole('link', { name: 'Nouveau dossier' }).click();
  await page.getByRole('heading', { name: 'Nouveau dossier' }).waitFor();
  const b = world.board.id;
  const id = (key) => `#d-${b}-${key}`;

  // No board chosen: no template fields on screen.
  assert.equal(await page.locator(id('edss')).isVisible(), false);
  await page.getByLabel('Groupe').selectOption({ label: world.board.name });
  const group = page.locator(`#new-dossier-form fieldset.df-fields[data-board-id="${b}"]`);
  await group.waitFor();
  assert.match(await group.locator('legend').first().innerText(), /Informations demandées par le groupe/);

  // A control per type, with its label, help, bounds and marks.
  const edss = page.getByLabel('EDSS');
  assert.equal(await edss.getAttribute('type'), 'number');
  assert.equal(await edss.getAttribute('min'), '0');
  assert.equal(await edss.getAttribute('max'), '10');
  assert.equal(await edss.getAttribute('step'), '0.5');
  assert.equal(await page.locator(`${id('edss')}-bounds`).innerText(), 'Entre 0 et 10, par pas de 0,5.');
  const described = (await edss.getAttribute('aria-describedby')).split(' ');
  for (const suffix of ['hint', 'bounds', 'error']) assert.ok(described.includes(`d-${b}-edss-${suffix}`), suffix);
  assert.equal(await page.locator(`${id('edss')}-hint`).innerText(), 'Score EDSS au dernier examen.');
  assert.equal(await page.locator(`label[for="d-${b}-edss"] .submit-mark`).count(), 1, 'EDSS is needed to submit');
  assert.equal(await page.locator(`label[for="d-${b}-relapses_12m"] .submit-mark`).count(), 0, 'relapses may stay empty');
  const course = page.getByLabel('Forme évolutive');
  assert.deepEqual(await course.locator('option').evaluateAll((els) => els.map((o) => o.value)), ['', 'RR', 'SP', 'PP', 'CIS']);
  const lesions = page.getByRole('group', { name: /Nouvelles lésions T2/ });
  assert.equal(await lesions.getByRole('radio').count(), 2, 'a yes/no pair');
  assert.equal(await lesions.getByRole('radio', { checked: true }).count(), 0, 'not answered yet');
  assert.match(await group.locator('.df-requires').innerText(), /une imagerie/);

  // A draft with a bad EDSS and too many relapses: both refused at once, at their fields.
  await page.getByLabel('Titre').fill('SEP rémittente, escalade thérapeutique ?');
  await page.getByLabel('Pseudonyme').fill('SEP-LYON-0107');
  await page.getByLabel('Question clinique').fill('Faut-il passer à un traitement de haute efficacité ?');
  await page.getByLabel('Le patient a consenti à cette demande d’avis').check();
  await edss.fill('3.2');
  await page.getByLabel('Traitement de fond actuel').selectOption('natalizumab');
  await page.getByLabel('Poussées sur les 12 derniers mois').fill('25');
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  const summary = page.locator('#new-dossier-form .error-summary');
  await summary.waitFor();
  assert.equal(await summary.locator('li').count(), 2, await summary.innerText());
  assert.equal(await edss.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator(`${id('edss')}-error`).innerText(), /par pas de 0,5 : 3 ou 3,5/);
  assert.match(await page.locator(`${id('relapses_12m')}-error`).innerText(), /comprise entre 0 et 20/);
  assert.match(await summary.innerText(), /EDSS : /);
  assert.equal((await world.rest.call('GET', '/api/dossiers', await referrerToken())).items.length, 0, 'nothing created');
  await screenshot(page, 'dossier-template-01-bad-edss');
  await accessible(page, 'the new-dossier form with its template and errors');

  // The board narrows EDSS meanwhile: the server refuses 3.5 and the page says so at the field.
  await world.rest.call('PUT', `/api/boards/${b}/template`, coordinatorToken, {
    ...MS_TEMPLATE, fields: MS_TEMPLATE.fields.map((f) => (f.key === 'edss' ? { ...f, max: 3 } : f)),
  });
  await edss.fill('3.5');
  await page.getByLabel('Poussées sur les 12 derniers mois').fill('2');
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  await page.locator(`${id('edss')}-error`, { hasText: 'comprise entre 0 et 3' }).waitFor();
  assert.equal(await edss.getAttribute('aria-invalid'), 'true');
  const current = await world.rest.call('PUT', `/api/boards/${b}/template`, coordinatorToken, MS_TEMPLATE);

  // Created, with « Forme évolutive » and « Nouvelles lésions » left empty.
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  await page.getByRole('heading', { name: /SEP rémittente/ }).waitFor();
  const dossierId = new URL(page.url()).hash.split('/').pop();
  let saved = await world.rest.dossier(dossierId, await referrerToken());
  assert.deepEqual(saved.fields, { edss: 3.5, current_dmt: 'natalizumab', relapses_12m: 2 });
  assert.equal(saved.template_version, current.version);

  // The dossier page: the values with their labels, and what the board asks to attach.
  const facts = page.locator('#dossier-fields');
  assert.equal(await facts.locator('dd[data-field-key="edss"]').innerText(), '3,5');
  assert.equal(await facts.locator('dd[data-field-key="course"]').innerText(), 'Non renseigné');
  assert.match(await facts.innerText(), /Poussées sur les 12 derniers mois\s+2/);
  assert.match(await page.locator('#required-attachments').innerText(), /Ce groupe demande : une imagerie\./);
  const hint = await page.locator('#submit-hint').innerText();
  assert.match(hint, /Forme évolutive, Nouvelles lésions T2 ou rehaussées par le gadolinium, une pièce jointe de type imagerie/);

  // Submit: every missing item at once, the fields by label and the imaging; no confirmation.
  await page.getByRole('button', { name: 'Soumettre au groupe' }).click();
  const gate = page.locator('#edit-dossier-form .error-summary');
  await gate.waitFor();
  assert.equal(await page.locator('dialog[open]').count(), 0);
  const gateText = await gate.innerText();
  assert.match(gateText, /Il manque 3 éléments\. Pour soumettre ce dossier au groupe, complétez/);
  assert.equal(await gate.locator('li').count(), 3, gateText);
  assert.match(gateText, /Forme évolutive : Nécessaire pour soumettre le dossier/);
  assert.match(gateText, /Nouvelles lésions T2 ou rehaussées par le gadolinium : Nécessaire/);
  assert.match(gateText, /Une pièce jointe de type imagerie/);
  const e = (key) => `#e-${b}-${key}`;
  assert.equal(await page.locator(e('course')).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator(e('new_lesions')).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator(e('edss')).inputValue(), '3.5', 'the saved values are in the form');
  await screenshot(page, 'dossier-template-02-missing');
  await accessible(page, 'the submission gate');
  // Each item leads to its control: the imaging one to the upload form, kind chosen.
  await gate.getByRole('link', { name: /Forme évolutive/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), `e-${b}-course`);
  await gate.getByRole('link', { name: /imagerie/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'u-file');
  assert.equal(await page.locator('#u-kind').inputValue(), 'imaging');
  assert.equal((await world.rest.dossier(dossierId, await referrerToken())).status, 'draft');

  // Completed in the page; only what changed is sent, and the cleared count as null.
  await page.locator(e('course')).selectOption('RR');
  await page.getByRole('group', { name: /Nouvelles lésions T2/ }).getByRole('radio', { name: 'Oui' }).check();
  await page.locator(e('relapses_12m')).fill('');
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await page.locator('#dossier-fields dd[data-field-key="course"]', { hasText: 'RR' }).waitFor();
  assert.equal(patches.length, 1);
  assert.deepEqual(patches[0].fields, { course: 'RR', new_lesions: true, relapses_12m: null });
  assert.equal(await page.locator('#dossier-fields dd[data-field-key="new_lesions"]').innerText(), 'Oui');
  assert.match(await page.locator('#submit-hint').innerText(), /une pièce jointe de type imagerie/);
  assert.doesNotMatch(await page.locator('#submit-hint').innerText(), /Forme évolutive/);

  // Only the imaging is missing now: said above the actions, with a link to the upload form.
  await page.getByRole('button', { name: 'Soumettre au groupe' }).click();
  const attachGate = page.locator('#submit-missing');
  await attachGate.waitFor();
  assert.match(await attachGate.innerText(), /Il manque un élément/);
  assert.equal(await attachGate.locator('li').count(), 1);
  assert.equal(await page.locator('#edit-dossier-form').count(), 0, 'no form to open for an attachment');

  // The imaging, then the submission.
  await page.locator('#u-file').setInputFiles({
    name: 'irm-encephale.dcm', mimeType: 'application/dicom',
    buffer: dicomFile({ patientName: 'MARTIN^ANNE', modality: 'MR', study: 'IRM encéphale', series: 'FLAIR axial' }),
  });
  await page.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await page.locator('table.attachments tr', { hasText: 'irm-encephale.dcm' }).waitFor();
  await page.locator('#required-attachments', { hasText: 'Les pièces jointes demandées sont là' }).waitFor();
  assert.equal(await page.locator('#submit-hint').count(), 0);
  await page.getByRole('button', { name: 'Soumettre au groupe' }).click();
  const dialog = page.getByRole('dialog', { name: 'Soumettre le dossier ?' });
  await dialog.getByRole('button', { name: 'Soumettre', exact: true }).click();
  await page.locator('#dossier-status', { hasText: 'Soumis' }).waitFor();
  await screenshot(page, 'dossier-template-03-submitted');

  // The API has the values with their JSON types.
  saved = await world.rest.dossier(dossierId, await referrerToken());
  assert.equal(saved.status, 'submitted');
  assert.deepEqual(saved.fields, { edss: 3.5, course: 'RR', current_dmt: 'natalizumab', new_lesions: true });
  assert.equal(typeof saved.fields.edss, 'number');
  assert.equal(typeof saved.fields.new_lesions, 'boolean');
  assert.equal(saved.attachments[0].kind, 'imaging');

  // A submitted dossier keeps what submission needed: clearing EDSS is refused in the page.
  await page.getByRole('button', { name: 'Modifier le dossier' }).click();
  await page.locator(e('edss')).fill('');
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await page.locator(`${e('edss')}-error`, { hasText: 'Nécessaire pour soumettre' }).waitFor();
  assert.equal(patches.length, 1, 'nothing sent');
  await page.getByRole('button', { name: 'Annuler les modifications' }).click();

  // On a phone: the form with its template and the page, never sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Modifier le dossier' }).click();
  await page.locator('#edit-dossier-form').waitFor();
  await assertNoSidewaysScroll(page, 'edit form at 390 px');
  await screenshot(page, 'dossier-template-04-phone-edit');
  await page.getByRole('button', { name: 'Annuler les modifications' }).click();
  await assertNoSidewaysScroll(page, 'dossier page at 390 px');
  await page.goto(`${server.url}/#/dossiers/new`);
  await page.getByLabel('Groupe').selectOption({ label: world.board.name });
  await page.locator(id('edss')).waitFor();
  await assertNoSidewaysScroll(page, 'new-dossier form at 390 px');
  await screenshot(page, 'dossier-template-05-phone-new');
  // What is typed in the template's fields survives a reload, like the rest of the form.
  await page.locator(id('edss')).fill('4');
  await page.getByRole('group', { name: /Nouvelles lésions T2/ }).getByRole('radio', { name: 'Non' }).check();
  await page.waitForTimeout(700);
  await page.reload();
  await page.locator(id('edss')).waitFor();
  assert.equal(await page.locator(id('edss')).inputValue(), '4');
  assert.equal(await page.locator(`${id('new_lesions')}-no`).isChecked(), true);
  assertNoProblems(page);
  await page.context().close();
});

test('a dossier written against an older template: the server lists what is missing, raw keys where the template changed', { timeout: 90000 }, async () => {
  const board = await world.rest.call('POST', '/api/boards', world.adminToken, { name: `RCP ancienne version ${process.pid}`, description: 'Versions' });
  await world.rest.call('PUT', `/api/boards/${board.id}/template`, world.adminToken, {
    fields: [
      { key: 'gone_key', label: 'Champ retiré', type: 'text', required: true },
      { key: 'keep_key', label: 'Ancien libellé', type: 'number', required: true },
      { key: 'shown_key', label: 'Champ affiché', type: 'text', required: false },
    ],
  });
  const token = await referrerToken();
  const d = await world.rest.call('POST', '/api/dossiers', token, {
    board_id: board.id, title: 'Version antérieure', patient: { pseudonym: 'PSN-OLD-1' },
    question: 'Question ?', consent: true, fields: { shown_key: 'valeur gardée' },
  });
  const v2 = await world.rest.call('PUT', `/api/boards/${board.id}/template`, world.adminToken, {
    fields: [
      { key: 'keep_key', label: 'Libellé actuel', type: 'number', required: true },
      { key: 'new_key', label: 'Nouveau champ', type: 'boolean', required: true },
    ],
  });
  assert.notEqual(d.template_version, v2.version);

  const page = await personPage(browser, server);
  await signInByApi(page, server.url, world.referrer, { landing: `#/dossiers/${d.id}` });
  const facts = page.locator('#dossier-fields');
  await facts.waitFor();
  assert.match(await facts.innerText(), new RegExp(`version antérieure du formulaire du groupe \\(version ${d.template_version}\\)`));
  assert.match(await facts.innerText(), /Libellé actuel/);
  assert.equal(await facts.locator('dt', { hasText: 'shown_key' }).count(), 1, 'a key the current template lacks: raw');
  assert.equal(await facts.locator('dd[data-field-key="shown_key"]').innerText(), 'valeur gardée');

  // The page cannot know what the older version needs: the server says, every item at once.
  await page.getByRole('button', { name: 'Soumettre au groupe' }).click();
  await page.getByRole('dialog', { name: 'Soumettre le dossier ?' }).getByRole('button', { name: 'Soumettre', exact: true }).click();
  const gate = page.locator('#edit-dossier-form .error-summary');
  await gate.waitFor();
  const text = await gate.innerText();
  assert.equal(await gate.locator('li').count(), 2, text);
  assert.match(text, /gone_key : Nécessaire pour soumettre/);
  assert.match(text, /Libellé actuel : Nécessaire pour soumettre/);
  assert.equal(await page.locator(`#e-${board.id}-keep_key`).getAttribute('aria-invalid'), 'true');
  assert.equal((await world.rest.dossier(d.id, await referrerToken())).status, 'draft');
  await screenshot(page, 'dossier-template-06-older-version');
  assertNoProblems(page);
  await page.context().close();
});

test('follow-up: due on « Mes dossiers », « Partiellement » needs a reason, the answer is shown and in the decision', { timeout: 150000 }, async (t) => {
  // A complete dossier of the MS board, submitted, on a session's agenda, decided.
  const token = await referrerToken();
  const draft = await world.rest.call('POST', '/api/dossiers', token, {
    board_id: world.board.id, title: 'SEP, suivi de l’avis', patient: { pseudonym: 'SEP-SUIVI-7' },
    question: 'Escalade ?', consent: true,
    fields: { edss: 2.5, course: 'RR', new_lesions: true },
  });
  await world.rest.attach(draft.id, 'irm.dcm', dicomFile({ patientName: 'DURAND^LEA', modality: 'MR', study: 'IRM', series: 'T2' }), await referrerToken());
  await world.rest.call('POST', `/api/dossiers/${draft.id}/submit`, token);
  const session = await sessionWith(world, [draft.id]);
  const page = await personPage(browser, server);
  await page.goto(`${server.url}/#/login`);
  const decision = await decideInRoom(page, {
    sessionId: session.id,
    dossierId: draft.id,
    chairToken: coordinatorToken,
    voterTokens: await Promise.all(world.specialists.map((s) => world.rest.login(s.email))),
    proposal: 'Passer au natalizumab',
    options: ['Favorable', 'Défavorable'],
    option: 'Favorable',
    comment: 'Deux poussées en un an.',
    summary: 'Natalizumab après sérologie JCV.',
  });
  assert.equal(decision.status, 'decided');
  const [mine] = (await world.rest.call('GET', '/api/follow-ups', token)).items.filter((f) => f.decision_id === decision.id);
  assert.ok(mine, 'a follow-up is scheduled');

  // It comes due (the clock moved in the database); « Mes dossiers » lists it.
  // sqlite3 (Debian package sqlite3) is installed by scripts/test: a missing tool fails the test.
  await run('sqlite3', ['-cmd', '.timeout 10000', path.join(server.dataDir, 'consilium.db'),
    `UPDATE follow_ups SET due_at = '2020-01-01 00:00:00' WHERE decision_id = '${decision.id}'`]);
  await signInByApi(page, server.url, world.referrer);
  const due = page.locator('#follow-ups-due');
  await due.waitFor();
  assert.match(await due.locator('h2').innerText(), /^Suivis à renseigner \(1\)$/);
  assert.match(await due.innerText(), /SEP, suivi de l’avis/);
  await screenshot(page, 'dossier-template-07-due-list');
  await accessible(page, 'the due follow-ups');
  await due.getByRole('link', { name: /SEP, suivi de l’avis/ }).click();

  // The follow-up on the dossier page.
  const section = page.locator('#follow-up');
  await section.waitFor();
  assert.equal(await section.getByRole('heading').first().innerText(), 'Suivi de l’avis');
  assert.match(await section.locator('#follow-up-due').innerText(), /Suivi attendu depuis le/);
  const posts = [];
  page.on('request', (req) => { if (req.method() === 'POST' && req.url().endsWith('/follow-up')) posts.push(req.url()); });
  const applied = section.getByRole('group', { name: 'L’avis a-t-il été appliqué ?' });
  await applied.getByRole('radio', { name: 'Partiellement' }).check();
  assert.equal(await page.locator('#fu-reason').getAttribute('aria-required'), 'true', 'the reason becomes required');
  await section.getByRole('button', { name: 'Enregistrer le suivi' }).click();
  await page.locator('#fu-reason-error', { hasText: 'Indiquez pourquoi' }).waitFor();
  assert.equal(await page.locator('#fu-reason').getAttribute('aria-invalid'), 'true');
  assert.equal(posts.length, 0, 'refused in the page');
  // The server refuses it too, at the same field.
  const bad = await refused('POST', `/api/decisions/${decision.id}/follow-up`, token, { applied: 'partly' });
  assert.equal(bad.status, 400);
  assert.equal(bad.problem.field, 'reason');
  await screenshot(page, 'dossier-template-08-follow-up-refused');
  await accessible(page, 'the follow-up form');

  await page.getByLabel('Raison').fill('Sérologie JCV positive : ocrélizumab à la place.');
  await page.getByLabel('Évolution du patient').fill('Pas de poussée depuis.');
  await section.getByRole('button', { name: 'Enregistrer le suivi' }).click();
  await page.locator('#follow-up-applied', { hasText: 'Partiellement' }).waitFor();
  assert.equal(posts.length, 1);
  assert.equal(await page.locator('#follow-up-form').count(), 0, 'answered once');
  assert.match(await section.innerText(), /Sérologie JCV positive/);
  assert.match(await section.innerText(), /Pas de poussée depuis\./);
  const recorded = await world.rest.call('GET', `/api/decisions/${decision.id}`, token);
  assert.equal(recorded.follow_up.applied, 'partly');
  assert.equal(recorded.follow_up.reason, 'Sérologie JCV positive : ocrélizumab à la place.');
  await screenshot(page, 'dossier-template-09-follow-up-answered');

  // After a reload the answer comes from the decision; on a phone, never sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.locator('#follow-up-applied', { hasText: 'Partiellement' }).waitFor();
  // The decision's record shows the answer too (outside its hash).
  assert.match(await page.locator('.decision-follow-up').first().innerText(), /Appliqué : Partiellement/);
  await assertNoSidewaysScroll(page, 'decided dossier at 390 px');
  await page.goto(`${server.url}/#/dossiers`);
  await page.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
  assert.equal(await page.locator('#follow-ups-due').count(), 0, 'nothing left to answer');
  assertNoProblems(page);
  await page.context().close();
});
