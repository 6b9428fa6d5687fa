// The dossier pages as a French referring physician meets them: a draft written without its
// question, submission refused with everything missing named at once, the draft edited in the
// page and submitted after a confirmation; a draft moved to another board in the page (and no
// board choice once submitted); attachments deleted only after a confirmation; the upload's
// safety nets (a « .dcm » that is not DICOM, the same file twice, a file over the server's limit,
// which the dossier carries, refused before anything is sent); no sideways scrolling at 900 and
// 390 px; French by default.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { buildWorld, submittedDossier } from './lib/world.js';
import { launch, personPage, screenshot, assertNoProblems, signInByApi, assertNoSidewaysScroll } from './lib/browser.js';
import { dicomFile } from './lib/dicom.js';

// A small upload limit, so that an oversize file is a few kilobytes.
const MAX_UPLOAD_BYTES = 64 * 1024;

let server;
let browser;
let world;

before(async () => {
  server = await startServer({ env: { CONSILIUM_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
  world = await buildWorld(server);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

async function referrerToken() {
  return world.rest.login(world.referrer.email);
}

async function draftByApi(title, extra = {}) {
  return world.rest.call('POST', '/api/dossiers', await referrerToken(), {
    board_id: world.board.id, title, patient: { pseudonym: `PSN-${Math.random().toString(36).slice(2, 8)}` },
    question: '', ...extra,
  });
}

/** Counts the attachment uploads the page sends. */
function watchUploads(page) {
  const sent = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && /\/api\/dossiers\/[^/]+\/attachments$/.test(req.url())) sent.push(req.url());
  });
  return sent;
}

test('a draft without a question: submit names what is missing, the draft is edited, then submitted', { timeout: 90000 }, async () => {
  const page = await personPage(browser, server);
  await signInByApi(page, server.url, world.referrer);
  await page.getByRole('link', { name: 'Nouveau dossier' }).click();
  await page.getByRole('heading', { name: 'Nouveau dossier' }).waitFor();

  // Required fields are marked, visually and for assistive technology.
  for (const id of ['d-board', 'd-title', 'd-pseudonym']) {
    assert.equal(await page.locator(`#${id}`).getAttribute('aria-required'), 'true', id);
    assert.equal(await page.locator(`#${id}`).evaluate((el) => el.required), true, id);
    assert.equal(await page.locator(`label[for="${id}"] .required-mark`).count(), 1, id);
  }
  assert.equal(await page.locator('#d-question').getAttribute('aria-required'), null, 'the question may wait in a draft');

  // Nothing filled in: every error at once, each at its field.
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  const summary = page.locator('#new-dossier-form .error-summary');
  await summary.waitFor();
  assert.equal(await summary.locator('li').count(), 3);
  assert.match(await summary.innerText(), /3 erreurs à corriger/);
  for (const id of ['d-board', 'd-title', 'd-pseudonym']) {
    assert.equal(await page.locator(`#${id}`).getAttribute('aria-invalid'), 'true', id);
    assert.match(await page.locator(`#${id}`).getAttribute('aria-describedby'), new RegExp(`${id}-error`));
    assert.equal(await page.locator(`#${id}-error`).isVisible(), true, id);
  }
  assert.equal(await page.locator('#d-title-error').innerText(), 'Indiquez un titre.');
  assert.equal((await world.rest.call('GET', '/api/dossiers', await referrerToken())).items.length, 0, 'nothing created');

  // A draft without question nor consent.
  await page.getByLabel('Groupe').selectOption({ label: world.board.name });
  await page.getByLabel('Titre').fill('Névrite optique, anticorps anti-MOG ?');
  await page.getByLabel('Pseudonyme').fill('SEP-ANNECY-0042');
  await page.getByLabel('Année de naissance').fill('1987');
  await page.getByRole('button', { name: 'Créer le brouillon' }).click();
  await page.getByRole('heading', { name: /Névrite optique/ }).waitFor();
  assert.equal(await page.locator('#dossier-status').innerText(), 'Brouillon');
  assert.match(await page.locator('#submit-hint').innerText(), /la question clinique, le consentement du patient/);
  const id = new URL(page.url()).hash.split('/').pop();

  // Submit: refused in the page, both missing items named at once, next to their fields.
  await page.getByRole('button', { name: 'Soumettre au groupe' }).click();
  const editSummary = page.locator('#edit-dossier-form .error-summary');
  await editSummary.waitFor();
  assert.equal(await page.locator('dialog[open]').count(), 0, 'no confirmation for an incomplete dossier');
  assert.match(await editSummary.innerText(), /Pour soumettre ce dossier au groupe, complétez/);
  assert.equal(await editSummary.locator('li').count(), 2);
  assert.equal(await page.locator('#e-question').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#e-question-error').innerText(), 'La question clinique est nécessaire pour soumettre le dossier.');
  assert.equal(await page.locator('#e-consent').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#e-consent-error').innerText(), /consentement du patient/);
  assert.equal((await world.rest.dossier(id, await referrerToken())).status, 'draft');
  await screenshot(page, 'dossier-01-submit-refused');

  // A problem the server finds is shown at its field, in French (a tab in the title).
  await page.locator('#e-title').fill('Névrite\toptique');
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await page.locator('#e-title-error', { hasText: 'caractères invisibles' }).waitFor();
  assert.equal(await page.locator('#e-title').getAttribute('aria-invalid'), 'true');

  // The draft edited in the page: the question and the consent, saved with PATCH.
  await page.locator('#e-title').fill('Névrite optique, anticorps anti-MOG ?');
  await page.getByLabel('Question clinique').fill('Faut-il traiter comme une MOGAD ?');
  await page.getByLabel('Le patient a consenti à cette demande d’avis').check();
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await page.locator('#dossier-question', { hasText: 'Faut-il traiter comme une MOGAD ?' }).waitFor();
  assert.equal(await page.locator('#dossier-consent').innerText(), 'Recueilli');
  assert.equal(await page.locator('#dossier-status').innerText(), 'Brouillon');
  assert.equal(await page.locator('#submit-hint').count(), 0);

  // Submit asks first, in a dialog; « Annuler » keeps the draft.
  await page.getByRole('button', { name: 'Soumettre au groupe' }).click();
  const dialog = page.getByRole('dialog', { name: 'Soumettre le dossier ?' });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), new RegExp(world.board.name));
  await screenshot(page, 'dossier-02-submit-dialog');
  await dialog.getByRole('button', { name: 'Annuler' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await world.rest.dossier(id, await referrerToken())).status, 'draft');

  await page.getByRole('button', { name: 'Soumettre au groupe' }).click();
  await dialog.getByRole('button', { name: 'Soumettre', exact: true }).click();
  await page.locator('#dossier-status', { hasText: 'Soumis' }).waitFor();
  const saved = await world.rest.dossier(id, await referrerToken());
  assert.equal(saved.status, 'submitted');
  assert.equal(saved.question, 'Faut-il traiter comme une MOGAD ?');
  assert.equal(saved.consent, true);
  assert.equal(saved.patient.birth_year, 1987);
  await screenshot(page, 'dossier-03-submitted');

  // The list says it too, in French, with a local date rather than raw UTC.
  await page.goto(`${server.url}/#/dossiers`);
  const row = page.locator(`tr[data-dossier-id="${id}"]`);
  await row.locator('.dossier-status', { hasText: 'Soumis' }).waitFor();
  const submittedCell = await row.locator('td[data-label="Soumis le"]').innerText();
  assert.match(submittedCell, /^\d{1,2} [a-zéû]+ \d{4}/);
  assert.doesNotMatch(submittedCell, /T\d\d:|Z$/);
  assertNoProblems(page);
});

test('a draft moves to another board in the page; a submitted dossier offers no board choice', { timeout: 60000 }, async () => {
  const other = await world.rest.call('POST', '/api/boards', world.adminToken, {
    name: `RCP neuro-ophtalmologie ${process.pid}`, description: 'Névrites optiques',
  });
  const dossier = await draftByApi('Névrite optique : quel groupe ?');
  const page = await personPage(browser, server);
  await signInByApi(page, server.url, world.referrer);
  await page.goto(`${server.url}/#/dossiers/${dossier.id}`);
  await page.locator('.dossier-meta', { hasText: `Groupe : ${world.board.name}` }).waitFor();

  // The draft's edit form offers every board, starting on the dossier's own.
  await page.getByRole('button', { name: 'Modifier le brouillon' }).click();
  const board = page.locator('#edit-dossier-form #e-board');
  await board.waitFor();
  assert.equal(await board.inputValue(), world.board.id);
  const offered = await board.locator('option').evaluateAll((els) => els.map((o) => o.value));
  assert.ok(offered.includes(world.board.id) && offered.includes(other.id), 'every board is offered');
  assert.ok(!offered.includes(''), 'no empty choice: a draft always has a board');
  assert.equal(await page.locator('#edit-dossier-form .board-fixed').count(), 0);
  assert.equal(await board.getAttribute('aria-required'), 'true');
  assert.match(await page.locator('label[for="e-board"]').innerText(), /^Groupe/);

  await page.getByLabel(/^Groupe/).selectOption({ label: other.name });
  await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await page.locator('.dossier-meta', { hasText: `Groupe : ${other.name}` }).waitFor();
  assert.equal(await page.locator('#edit-dossier-form').count(), 0, 'the form closes once saved');
  const moved = await world.rest.dossier(dossier.id, await referrerToken());
  assert.equal(moved.board_id, other.id, 'the API has the new board');
  assert.equal(moved.status, 'draft');
  await screenshot(page, 'dossier-11-moved');

  // The new board stays after a reload, and is the one the submission names.
  await page.reload();
  await page.locator('.dossier-meta', { hasText: `Groupe : ${other.name}` }).waitFor();
  await page.getByRole('button', { name: 'Modifier le brouillon' }).click();
  assert.equal(await page.locator('#e-board').inputValue(), other.id);
  await page.getByRole('button', { name: 'Annuler les modifications' }).click();

  // Once submitted, the board is named in the edit form, not offered.
  const submitted = await submittedDossier(world, 'Déjà soumis au groupe');
  await page.goto(`${server.url}/#/dossiers/${submitted.id}`);
  await page.locator('#dossier-status', { hasText: 'Soumis' }).waitFor();
  await page.getByRole('button', { name: 'Modifier le dossier' }).click();
  await page.locator('#edit-dossier-form').waitFor();
  assert.equal(await page.locator('#e-board').count(), 0, 'no board choice once submitted');
  assert.equal(await page.locator('#edit-dossier-form select[name="board_id"]').count(), 0);
  assert.match(await page.locator('#edit-dossier-form .board-fixed').innerText(),
    new RegExp(`Groupe : ${world.board.name}\\. Le groupe ne peut plus être changé une fois le dossier soumis`));
  assertNoProblems(page);
  await page.context().close();
});

test('deleting an attachment asks first: cancel keeps it, confirm removes it; withdrawing asks too', { timeout: 60000 }, async () => {
  const dossier = await draftByApi('Deux pièces jointes');
  await world.rest.attach(dossier.id, 'compte-rendu-irm.txt', Buffer.from('IRM du 3 novembre : trois nouvelles lésions T2.'), await referrerToken());
  const page = await personPage(browser, server);
  await signInByApi(page, server.url, world.referrer);
  await page.goto(`${server.url}/#/dossiers/${dossier.id}`);
  const row = page.locator('table.attachments tr', { hasText: 'compte-rendu-irm.txt' });
  await row.waitFor();

  await page.getByRole('button', { name: 'Supprimer compte-rendu-irm.txt' }).click();
  const dialog = page.getByRole('dialog', { name: 'Supprimer la pièce jointe ?' });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /« compte-rendu-irm\.txt » sera définitivement retiré du dossier/);
  // The focus starts on « Annuler »: Enter does not delete.
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Annuler');
  await screenshot(page, 'dossier-04-delete-dialog');
  await dialog.getByRole('button', { name: 'Annuler' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await row.count(), 1);
  assert.equal((await world.rest.dossier(dossier.id, await referrerToken())).attachments.length, 1);

  await page.getByRole('button', { name: 'Supprimer compte-rendu-irm.txt' }).click();
  await dialog.getByRole('button', { name: 'Supprimer', exact: true }).click();
  await page.getByText('Aucune pièce jointe.').waitFor();
  assert.equal((await world.rest.dossier(dossier.id, await referrerToken())).attachments.length, 0);

  // Withdrawing asks too; once withdrawn, the page offers nothing the server would refuse.
  await world.rest.attach(dossier.id, 'note.txt', Buffer.from('Note de consultation.'), await referrerToken());
  await page.reload();
  await page.locator('table.attachments tr', { hasText: 'note.txt' }).waitFor();
  await page.getByRole('button', { name: 'Retirer le dossier' }).click();
  const withdraw = page.getByRole('dialog', { name: 'Retirer le dossier ?' });
  await withdraw.getByRole('button', { name: 'Retirer le dossier' }).click();
  await page.locator('#dossier-status', { hasText: 'Retiré' }).waitFor();
  assert.equal((await world.rest.dossier(dossier.id, await referrerToken())).status, 'withdrawn');
  for (const name of ['Supprimer note.txt', 'Soumettre au groupe', 'Retirer le dossier', 'Modifier le brouillon', 'Envoyer']) {
    assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, name);
  }
  assert.equal(await page.getByRole('button', { name: 'Télécharger note.txt' }).count(), 1);
  assertNoProblems(page);
});

test('uploads: a .dcm that is not DICOM, the same file twice, a file over the limit refused before sending', { timeout: 90000 }, async () => {
  const dossier = await draftByApi('Pièces jointes à vérifier');
  const page = await personPage(browser, server);
  const sent = watchUploads(page);
  await signInByApi(page, server.url, world.referrer);
  await page.goto(`${server.url}/#/dossiers/${dossier.id}`);
  await page.getByRole('heading', { name: 'Ajouter une pièce jointe' }).waitFor();
  // The dossier carries the server's limit: the form says it from the start.
  assert.equal(dossier.max_upload_bytes, MAX_UPLOAD_BYTES);
  assert.match(await page.locator('#u-file-hint').innerText(), /Taille maximale : 65,5\sko/);
  const fileInput = page.locator('#u-file');
  const kind = page.locator('#u-kind');
  const send = page.getByRole('button', { name: 'Envoyer', exact: true });
  const warning = page.locator('#upload-warning');

  // A text file named x.dcm: warned before sending; « Ne pas envoyer » sends nothing.
  const notDicom = { name: 'x.dcm', mimeType: 'application/dicom', buffer: Buffer.from('Ceci est une note, pas une image.\n') };
  await fileInput.setInputFiles(notDicom);
  await send.click();
  await warning.getByText('n’est pas un fichier DICOM').waitFor();
  assert.equal(sent.length, 0);
  await screenshot(page, 'dossier-05-not-dicom');
  await warning.getByRole('button', { name: 'Ne pas envoyer' }).click();
  assert.equal(await warning.isHidden(), true);
  assert.equal(await fileInput.evaluate((el) => el.files.length), 0);
  assert.equal(sent.length, 0);

  // Again, choosing another kind: the kind list gets the focus, the next « Envoyer » sends it.
  await fileInput.setInputFiles(notDicom);
  await send.click();
  await warning.getByRole('button', { name: 'Choisir un autre type' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'u-kind');
  await kind.selectOption('note');
  await send.click();
  await page.locator('table.attachments tr', { hasText: 'x.dcm' }).waitFor();
  assert.equal(sent.length, 1);
  assert.equal(await kind.inputValue(), '', 'the kind goes back to its default after an upload');
  let saved = await world.rest.dossier(dossier.id, await referrerToken());
  assert.equal(saved.attachments.length, 1);
  assert.equal(saved.attachments[0].kind, 'note');
  assert.equal(await page.locator('table.attachments tr', { hasText: 'x.dcm' }).locator('td[data-label="Type"]').innerText(), 'Note');

  // The same bytes under another name: caught in the browser, before sending.
  await fileInput.setInputFiles({ ...notDicom, name: 'copie.txt', mimeType: 'text/plain' });
  await send.click();
  await warning.getByText('Ce fichier est déjà joint : x.dcm').waitFor();
  assert.equal(sent.length, 1);
  await warning.getByRole('button', { name: 'Ne pas envoyer' }).click();
  assert.equal(sent.length, 1);

  // A DICOM file twice: de-identified on the server, so compared after the upload; the new one
  // can be removed at once.
  const dicom = { name: 'irm-flair.dcm', mimeType: 'application/dicom', buffer: dicomFile({ patientName: 'DUPONT^JEAN', modality: 'MR', study: 'IRM encéphale', series: 'FLAIR axial' }) };
  await fileInput.setInputFiles(dicom);
  await send.click();
  await page.locator('table.attachments tr', { hasText: 'irm-flair.dcm' }).waitFor();
  assert.equal(await warning.isHidden(), true, 'no warning for a real DICOM file');
  await fileInput.setInputFiles({ ...dicom, name: 'irm-flair-bis.dcm' });
  await send.click();
  await warning.getByText('Ce fichier est déjà joint : irm-flair.dcm').waitFor();
  await page.locator('table.attachments tr', { hasText: 'irm-flair-bis.dcm' }).waitFor();
  assert.equal(sent.length, 3);
  await screenshot(page, 'dossier-06-duplicate');
  await warning.getByRole('button', { name: 'Retirer le nouveau fichier' }).click();
  await page.locator('table.attachments tr', { hasText: 'irm-flair-bis.dcm' }).waitFor({ state: 'detached' });
  saved = await world.rest.dossier(dossier.id, await referrerToken());
  assert.deepEqual(saved.attachments.map((a) => a.filename).sort(), ['irm-flair.dcm', 'x.dcm']);

  // Over the server's limit, which the dossier carries: refused in the page, the first time,
  // before a byte is sent.
  const big = { name: 'scanner-complet.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(100 * 1024, 7) };
  await fileInput.setInputFiles(big);
  await send.click();
  const fileError = page.locator('#u-file-error');
  await fileError.waitFor();
  assert.match(await fileError.innerText(), /Ce fichier \(102\sko\) dépasse la taille maximale acceptée \(65,5\sko\)\. Il n’a pas été envoyé\./);
  assert.equal(await page.locator('#u-file').getAttribute('aria-invalid'), 'true');
  await page.waitForTimeout(300);
  assert.equal(sent.length, 3, 'no upload request for a file over the limit');
  assert.match(await page.locator('#u-file-hint').innerText(), /Taille maximale : 65,5\sko/);
  assert.equal((await world.rest.dossier(dossier.id, await referrerToken())).attachments.length, 2, 'nothing oversize kept');
  await screenshot(page, 'dossier-07-too-large');
  assertNoProblems(page);
});

test('no sideways scrolling at 900 and 390 px; French by default, English on request', { timeout: 90000 }, async () => {
  const long = 'Sclérose en plaques récurrente-rémittente avec poussées malgré traitement de première ligne et lésions actives';
  const dossier = await draftByApi(long, { question: 'Escalade thérapeutique ?', history: 'Deux poussées en douze mois.', consent: true });
  await world.rest.attach(dossier.id, `${'compte-rendu-irm-encephalique-avec-injection-de-gadolinium-'.repeat(3)}2026-11-03.txt`, Buffer.alloc(12345, 65), await referrerToken());
  await world.rest.attach(dossier.id, 'irm.dcm', dicomFile({ patientName: 'MARTIN^ANNE', modality: 'MR', study: 'IRM encéphale et moelle', series: 'T2 FLAIR sagittal 3D haute résolution' }), await referrerToken());
  for (const [width, height] of [[900, 900], [390, 844]]) {
    const page = await personPage(browser, server, { width, height });
    await signInByApi(page, server.url, world.referrer);
    await page.locator(`tr[data-dossier-id="${dossier.id}"]`).waitFor();
    // French: headings, column labels, statuses.
    assert.equal(await page.locator('#main h1').innerText(), 'Mes dossiers');
    assert.equal(await page.locator(`tr[data-dossier-id="${dossier.id}"] .dossier-status`).innerText(), 'Brouillon');
    await assertNoSidewaysScroll(page, `the dossier list at ${width} px`);
    await screenshot(page, `dossier-08-list-${width}`);

    await page.goto(`${server.url}/#/dossiers/${dossier.id}`);
    await page.getByRole('heading', { name: 'Pièces jointes' }).waitFor();
    await page.locator('table.attachments tr', { hasText: 'irm.dcm' }).waitFor();
    assert.match(await page.locator('.dossier-meta').innerText(), /Statut : Brouillon/);
    assert.match(await page.locator('table.attachments tr', { hasText: 'compte-rendu' }).locator('td[data-label="Taille"]').innerText(), /^12,3\sko$/);
    await assertNoSidewaysScroll(page, `the dossier page at ${width} px`);
    await screenshot(page, `dossier-09-page-${width}`);
    await page.getByRole('button', { name: 'Modifier le brouillon' }).click();
    await page.locator('#edit-dossier-form').waitFor();
    await assertNoSidewaysScroll(page, `the edit form at ${width} px`);
    await page.getByRole('button', { name: 'Retirer le dossier' }).click();
    await page.getByRole('dialog', { name: 'Retirer le dossier ?' }).waitFor();
    await assertNoSidewaysScroll(page, `the withdraw dialog at ${width} px`);
    await screenshot(page, `dossier-10-withdraw-dialog-${width}`);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal((await world.rest.dossier(dossier.id, await referrerToken())).status, 'draft', 'Escape withdraws nothing');
    assertNoProblems(page);
    await page.context().close();
  }

  // The same page in English for a user who chose English (PATCH /api/me, section 16).
  const token = await referrerToken();
  await world.rest.call('PATCH', '/api/me', token, { locale: 'en' });
  try {
    const page = await personPage(browser, server);
    await signInByApi(page, server.url, world.referrer, { landing: `#/dossiers/${dossier.id}` });
    await page.getByRole('heading', { name: 'Attachments' }).waitFor();
    assert.match(await page.locator('.dossier-meta').innerText(), /Status: Draft/);
    assert.equal(await page.locator('table.attachments tr', { hasText: 'compte-rendu' }).locator('td[data-label="Size"]').innerText(), '12.3 kB');
    assertNoProblems(page);
    await page.context().close();
  } finally {
    await world.rest.call('PATCH', '/api/me', token, { locale: 'fr' });
  }
});
