// The whole flow in the browser: a referrer refers a case with an attachment, a coordinator
// schedules it, a chair and three specialists review it together in the live room and vote,
// everyone sees the decision, and the referrer then reads it on the dossier page. The pages
// speak French, their default language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from './lib/server.js';
import { buildWorld } from './lib/world.js';
import { launch, personPage, signIn, screenshot, assertNoProblems } from './lib/browser.js';
import { dicomFile } from './lib/dicom.js';

let server;
let browser;
let world;
let scratch;

before(async () => {
  server = await startServer();
  world = await buildWorld(server);
  browser = await launch();
  scratch = await mkdtemp(path.join(tmpdir(), 'consilium-upload-'));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test('refer, schedule, review live, vote, decide, read the decision', { timeout: 240000 }, async () => {
  // --- The referrer writes a dossier, uploads a file and submits it.
  const referrer = await personPage(browser, server);
  await signIn(referrer, world.referrer);
  await referrer.getByRole('heading', { name: 'Mes dossiers' }).waitFor();
  await referrer.getByRole('link', { name: 'Nouveau dossier' }).click();
  await referrer.getByRole('heading', { name: 'Nouveau dossier' }).waitFor();
  await referrer.getByLabel('Groupe').selectOption({ label: world.board.name });
  await referrer.getByLabel('Titre').fill('Relapsing MS despite first-line therapy');
  await referrer.getByLabel('Pseudonyme').fill('SEP-ANNECY-0042');
  await referrer.getByLabel('Année de naissance').fill('1987');
  await referrer.getByLabel('Sexe').selectOption('female');
  await referrer.getByLabel('Question clinique').fill('Should we escalate to a high-efficacy therapy?');
  await referrer.getByLabel('Histoire clinique').fill('Two relapses in 12 months; three new T2 lesions on the last MRI.');
  await referrer.getByLabel('Le patient a consenti à cette demande d’avis').check();
  await referrer.getByRole('button', { name: 'Créer le brouillon' }).click();
  await referrer.getByRole('heading', { name: /Relapsing MS despite first-line therapy/ }).waitFor();
  assert.match(await referrer.locator('#dossier-status').innerText(), /Brouillon/);

  // A 3 MiB file, so that the upload reports progress.
  const bytes = randomBytes(3 * 1024 * 1024);
  const filePath = path.join(scratch, 'mri-report.bin');
  await writeFile(filePath, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await referrer.getByLabel('Fichier').setInputFiles(filePath);
  await referrer.getByLabel('Type', { exact: true }).selectOption('report');
  await referrer.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await referrer.locator('#uploaded-sha256').waitFor();
  assert.equal(await referrer.locator('#uploaded-sha256').innerText(), sha256);
  assert.equal(await referrer.locator('#u-progress').evaluate((p) => p.value), 100);
  assert.equal(await referrer.locator('table.attachments tr', { hasText: 'mri-report.bin' }).locator('.sha256').innerText(), sha256);

  // A DICOM file: de-identified on upload; its metadata shows.
  const dicomPath = path.join(scratch, 'brain-flair.dcm');
  await writeFile(dicomPath, dicomFile({ patientName: 'DUPONT^MARIE', modality: 'MR', study: 'Brain MRI with gadolinium', series: 'FLAIR axial' }));
  await referrer.getByLabel('Fichier').setInputFiles(dicomPath);
  await referrer.getByLabel('Type', { exact: true }).selectOption('');
  await referrer.getByRole('button', { name: 'Envoyer', exact: true }).click();
  const dicomRow = referrer.locator('table.attachments tr', { hasText: 'brain-flair.dcm' });
  await dicomRow.waitFor();
  assert.match(await dicomRow.innerText(), /Anonymisé/);
  assert.match(await dicomRow.innerText(), /Imagerie/);
  assert.match(await dicomRow.locator('.dicom').innerText(), /MR[\s\S]*Brain MRI with gadolinium[\s\S]*FLAIR axial/);
  assert.equal(await referrer.locator('#uploaded-sha256').innerText(), await dicomRow.locator('.sha256').innerText());
  await screenshot(referrer, '03-dossier-with-attachment');

  // The download gives back the very bytes.
  const [download] = await Promise.all([
    referrer.waitForEvent('download'),
    referrer.getByRole('button', { name: 'Télécharger mri-report.bin' }).click(),
  ]);
  const downloaded = await download.path();
  assert.equal(createHash('sha256').update(await readFile(downloaded)).digest('hex'), sha256);

  // Submitting asks first, in a dialog naming the board.
  await referrer.getByRole('button', { name: 'Soumettre au groupe' }).click();
  const submitDialog = referrer.getByRole('dialog', { name: 'Soumettre le dossier ?' });
  await submitDialog.waitFor();
  assert.match(await submitDialog.innerText(), new RegExp(world.board.name));
  await submitDialog.getByRole('button', { name: 'Soumettre', exact: true }).click();
  await referrer.locator('#dossier-status', { hasText: 'Soumis' }).waitFor();
  const dossierUrl = referrer.url();
  const dossierId = dossierUrl.split('/').pop();
  await referrer.getByRole('link', { name: 'Dossiers', exact: true }).click();
  await referrer.locator(`tr[data-dossier-id="${dossierId}"] .dossier-status`, { hasText: 'Soumis' }).waitFor();
  await screenshot(referrer, '01-referrer-dossiers');
  // The referrer keeps the dossier open while the board works on it.
  await referrer.getByRole('link', { name: /^RCP-/ }).click();
  await referrer.locator('#dossier-status', { hasText: 'Soumis' }).waitFor();

  // --- The coordinator sees it in the board's queue, plans a session and schedules it.
  const chair = await personPage(browser, server);
  await signIn(chair, world.coordinator);
  await chair.getByRole('link', { name: 'Groupes et séances' }).click();
  await chair.getByRole('link', { name: world.board.name }).click();
  await chair.locator(`#queue tr[data-dossier-id="${dossierId}"]`).waitFor();
  await chair.getByLabel('Titre de la séance').fill('Weekly MS board');
  const when = new Date(Date.now() + 2 * 3600e3);
  const local = new Date(when.getTime() - when.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  await chair.getByLabel('Date et heure').fill(local);
  await chair.getByLabel('Lien de visioconférence de la séance').fill('https://visio.example.org/ms-board');
  await screenshot(chair, '04-coordinator-queue');
  await chair.getByRole('button', { name: 'Planifier la séance', exact: true }).click();
  await chair.getByRole('heading', { name: 'Weekly MS board' }).waitFor();
  await chair.getByLabel('Dossier soumis').selectOption(dossierId);
  await chair.getByRole('button', { name: 'Inscrire à l’ordre du jour' }).click();
  await chair.locator(`#agenda li[data-dossier-id="${dossierId}"]`, { hasText: 'inscrit' }).waitFor();
  await screenshot(chair, '05-coordinator-agenda');
  await chair.getByRole('link', { name: 'Ouvrir la salle en direct (présidence)' }).click();
  await chair.locator('#room-status[data-state="open"]', { hasText: 'Connecté' }).waitFor();
  const roomUrl = chair.url();

  // --- Three specialists join; everybody sees everybody.
  const specialists = [];
  for (const s of world.specialists) {
    // A laptop's half screen beside the video call.
    const page = await personPage(browser, server, { width: 900 });
    await signIn(page, s);
    await page.goto(roomUrl);
    await page.locator('#room-status[data-state="open"]', { hasText: 'Connecté' }).waitFor();
    specialists.push(page);
  }
  const everyone = [chair, ...specialists];
  for (const page of everyone) {
    for (const person of [world.coordinator, ...world.specialists]) {
      await page.locator(`#presence li[data-user-id="${person.id}"]`).waitFor();
    }
    assert.match(await page.locator('#presence').innerText(), /ophthalmology/);
    assert.equal(await page.getByRole('link', { name: 'Ouvrir la visioconférence' }).getAttribute('href'), 'https://visio.example.org/ms-board');
  }

  // Chat reaches everybody.
  await specialists[0].getByRole('textbox', { name: 'Message', exact: true }).fill('MRI reviewed: three new T2 lesions confirmed.');
  await specialists[0].getByRole('button', { name: 'Envoyer', exact: true }).click();
  for (const page of everyone) {
    await page.locator('#chat-log', { hasText: 'three new T2 lesions confirmed' }).waitFor();
  }

  // --- The chair focuses the dossier and opens a vote.
  await chair.getByRole('button', { name: /^Examiner RCP-/ }).click();
  for (const page of everyone) {
    await page.locator('#focus-title', { hasText: 'Relapsing MS despite first-line therapy' }).waitFor();
    await page.locator('#focus table.attachments', { hasText: 'mri-report.bin' }).waitFor();
    await page.locator('#focus table.attachments .dicom', { hasText: 'FLAIR axial' }).waitFor();
  }
  await chair.getByLabel('Proposition').fill('Escalate to natalizumab');
  // The options offered by default are the board's usual three; the chair keeps them.
  assert.equal(await chair.getByLabel('Options').inputValue(), 'Favorable\nDéfavorable\nExamens complémentaires');
  await chair.getByRole('button', { name: 'Ouvrir le vote' }).click();
  for (const page of everyone) {
    await page.locator('.vote', { hasText: 'Escalate to natalizumab' }).waitFor();
    await page.locator('.vote .cast-count', { hasText: '0 bulletin reçu' }).waitFor();
  }

  // --- Ballots: the counter is blind; one specialist changes their ballot.
  const cast = async (page, option, rationale) => {
    const vote = page.locator('.vote', { hasText: 'Escalate to natalizumab' });
    await vote.getByLabel(option, { exact: true }).check();
    if (rationale) await vote.getByLabel('Justification (facultative)').fill(rationale);
    await vote.getByRole('button', { name: /^(Voter|Modifier mon vote)$/ }).click();
    await vote.locator('.my-ballot', { hasText: `Votre vote : ${option}` }).waitFor();
  };
  await cast(specialists[0], 'Favorable', 'Active disease on MRI.');
  await cast(specialists[1], 'Défavorable');
  for (const page of everyone) await page.locator('.vote .cast-count', { hasText: '2 bulletins reçus' }).waitFor();
  assert.doesNotMatch(await chair.locator('.vote').innerText(), /Défavorable\s*:\s*1|Favorable\s*:\s*1/, 'no tally while open');
  await cast(specialists[1], 'Favorable', 'Agreed after discussion.');
  await cast(specialists[2], 'Favorable');
  for (const page of everyone) await page.locator('.vote .cast-count', { hasText: '3 bulletins reçus' }).waitFor();
  await screenshot(specialists[0], '06-live-room-open-vote');

  // --- The chair closes the vote; all see the decision.
  await chair.getByLabel('Recommandation (synthèse de la décision)').fill('Escalate to natalizumab; JCV serology first.');
  await chair.getByRole('button', { name: 'Clore le vote' }).click();
  for (const page of everyone) {
    const decision = page.locator('#decisions .decision');
    await decision.waitFor();
    assert.equal(await decision.locator('.decision-outcome').innerText(), 'Favorable');
    assert.match(await decision.locator('.decision-tally').innerText(), /^Favorable : 3$/m);
    assert.match(await decision.locator('.decision-quorum').innerText(), /^atteint/);
    assert.match(await decision.locator('.decision-ballots').innerText(), /Active disease on MRI\./);
    await page.locator('#no-votes').waitFor();
  }
  // The quorum was met: the vote closed without asking for a confirmation.
  assert.equal(await chair.locator('dialog[open]').count(), 0);
  await screenshot(chair, '07-live-room-decision');

  // --- The referrer's open dossier page picks the decision up by itself.
  assert.equal(referrer.url(), dossierUrl);
  await referrer.locator('#dossier-status', { hasText: 'Avis rendu' }).waitFor({ timeout: 15000 });
  const panel = referrer.getByRole('region', { name: 'Avis du groupe' });
  assert.equal(await panel.locator('.decision-outcome').innerText(), 'Favorable');
  assert.match(await panel.locator('.decision-summary').innerText(), /JCV serology first/);
  await screenshot(referrer, '08-referrer-decision');
  const [pdf] = await Promise.all([
    referrer.waitForEvent('download'),
    panel.getByRole('button', { name: 'Fiche RCP imprimable (PDF)' }).click(),
  ]);
  assert.equal((await readFile(await pdf.path())).subarray(0, 5).toString('latin1'), '%PDF-');

  // --- Decisions page and the coordinator's exports.
  await chair.getByRole('link', { name: 'Décisions', exact: true }).click();
  await chair.getByLabel('Groupe').selectOption({ label: world.board.name });
  await chair.getByRole('button', { name: 'Afficher', exact: true }).click();
  await chair.locator('#decisions-table tbody tr').first().waitFor();
  assert.equal(await chair.locator('#decisions-table tbody tr').count(), 1);
  const [csv] = await Promise.all([
    chair.waitForEvent('download'),
    chair.getByRole('button', { name: 'Exporter en CSV' }).click(),
  ]);
  const csvText = await readFile(await csv.path(), 'utf8');
  assert.match(csvText, /^decision_id,reference,board,/);
  assert.match(csvText, /Favorable/);
  const [fhir] = await Promise.all([
    chair.waitForEvent('download'),
    chair.getByRole('button', { name: 'Exporter en FHIR' }).click(),
  ]);
  const bundle = JSON.parse(await readFile(await fhir.path(), 'utf8'));
  assert.equal(bundle.resourceType, 'Bundle');
  await screenshot(chair, '09-decisions');

  for (const page of [referrer, ...everyone]) assertNoProblems(page);
});
