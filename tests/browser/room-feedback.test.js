// The live room tells the chair and the voters where they stand (issue 15), in French, the
// pages' default language: who has voted (never for what) and whether the quorum would be met
// now, naming the missing specialty; a confirmation before closing without quorum (cancelling
// keeps the vote open); one's own ballot after a reload; the room after a no-quorum close; the
// connection state beside the actions, the buttons waiting while disconnected and the typed
// message kept; the counts brought up to date by the welcome after a reconnection; no
// sideways scroll at 900 px (beside a video call) and 390 px (a phone); and a revoked sign-in
// (socket closed with 4401) sending the app to the sign-in page, then back to the room.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { buildWorld, submittedDossier, sessionWith } from './lib/world.js';
import { launch, personPage, screenshot, assertNoProblems, signIn, assertNoSidewaysScroll } from './lib/browser.js';
import { dicomSeriesZip } from './lib/dicom-series.js';

let server;
let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

async function upload(world, dossierId, name, type, bytes) {
  const token = await world.rest.login(world.referrer.email);
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  const res = await fetch(`${server.url}/api/dossiers/${dossierId}/attachments`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form,
  });
  assert.equal(res.status, 201, await res.clone().text());
}

async function connected(page) {
  await page.locator('#room-status[data-state="open"]', { hasText: 'Connecté' }).waitFor({ timeout: 15000 });
}

/** No sideways scroll, and every button of the room fully on screen and not clipped by a table. */
async function fitsWidth(page, width) {
  await assertNoSidewaysScroll(page, `the room at ${width} px`);
  const out = await page.evaluate(() => {
    const inner = window.innerWidth;
    const out = [];
    for (const b of document.querySelectorAll('.room button, .room-head a, .room-head .conn')) {
      const r = b.getBoundingClientRect();
      if (!r.width) continue; // not shown
      if (r.left < -0.5 || r.right > inner + 0.5) out.push(`${b.textContent.trim()} [${Math.round(r.left)}, ${Math.round(r.right)}] of ${inner}`);
    }
    for (const w of document.querySelectorAll('.room .table-wrap')) {
      if (w.scrollWidth > w.clientWidth + 1) out.push(`a table scrolls sideways (${w.scrollWidth} > ${w.clientWidth})`);
    }
    return out;
  });
  assert.deepEqual(out, [], `everything in view at ${width} px`);
}

test('the chair and the voters see who has voted and the quorum; no-quorum close; reconnection; layouts', { timeout: 300000 }, async () => {
  server = await startServer();
  const world = await buildWorld(server);
  const [radiologist, ophthalmologist, neurologist] = world.specialists;
  // Three voters from two specialties, one of them a neuroradiologist.
  await world.rest.call('PATCH', `/api/boards/${world.board.id}`, world.adminToken, {
    quorum: { min_voters: 3, min_specialties: 2, required_specialties: ['neuroradiology'] },
  });
  assert.equal(radiologist.specialty, 'neuroradiology');
  const dossier = await submittedDossier(world, 'Névrite optique récidivante chez une patiente de 38 ans');
  await upload(world, dossier.id, 'compte-rendu-consultation-ophtalmologique-du-12-novembre.pdf', 'application/pdf', Buffer.from('%PDF-1.4\n% a report\n'));
  await upload(world, dossier.id, 'irm-encephalique.zip', 'application/zip', dicomSeriesZip({ slices: 3 }).zip);
  const session = await sessionWith(world, [dossier.id]);
  const roomUrl = `${server.url}/#/sessions/${session.id}/live`;

  // --- The chair, a voter beside a video call (900 px) and a voter on a phone (390 px), whose
  // room socket goes through a relay the test can cut.
  const chair = await personPage(browser, server);
  await signIn(chair, world.coordinator);
  await chair.goto(roomUrl);
  await connected(chair);

  const ophtha = await personPage(browser, server, { width: 900, height: 800 });
  await signIn(ophtha, ophthalmologist);
  await ophtha.goto(roomUrl);
  await connected(ophtha);

  const neuro = await personPage(browser, server, { width: 390, height: 844 });
  let networkUp = true;
  let relay = null;
  await neuro.routeWebSocket(/\/api\/sessions\/.*\/live$/, (ws) => {
    if (!networkUp) { ws.close({ code: 4000, reason: 'network down' }); return; }
    const upstream = ws.connectToServer();
    ws.onMessage((m) => upstream.send(m));
    upstream.onMessage((m) => ws.send(m));
    relay = { ws, upstream };
  });
  await signIn(neuro, neurologist);
  await neuro.goto(roomUrl);
  await connected(neuro);

  // The room speaks French; the state of the connection is also beside the actions.
  assert.equal(await chair.getByRole('heading', { name: 'Ordre du jour' }).count(), 1);
  assert.match(await neuro.locator('#chat-form .conn-note').innerText(), /Connecté/);

  // --- The chair focuses the dossier and opens a vote.
  await chair.getByRole('button', { name: /^Examiner RCP-/ }).click();
  for (const page of [chair, ophtha, neuro]) await page.locator('#focus-title', { hasText: 'Névrite optique' }).waitFor();
  await chair.getByLabel('Proposition').fill('Traitement de fond par ocrelizumab');
  assert.equal(await chair.getByLabel('Options').inputValue(), 'Favorable\nDéfavorable\nExamens complémentaires');
  await chair.getByRole('button', { name: 'Ouvrir le vote' }).click();
  for (const page of [chair, ophtha, neuro]) {
    const vote = page.locator('.vote', { hasText: 'Traitement de fond par ocrelizumab' });
    await vote.waitFor();
    await vote.locator('.cast-count', { hasText: '0 bulletin reçu' }).waitFor();
    // Before anyone has voted the rule is already told (from the board).
    await vote.locator('.quorum-line', { hasText: '0 votant sur 3 requis' }).waitFor();
    // The vote comes first in the main column: above the dossier and its attachments.
    await page.locator('#focus table.attachments').waitFor();
    const voteBox = await vote.boundingBox();
    const focusBox = await page.locator('#focus').boundingBox();
    assert.ok(voteBox.y < focusBox.y, `the vote (y=${voteBox.y}) is above the dossier (y=${focusBox.y})`);
  }
  assert.equal(await chair.locator('#room-agenda .agenda-vote', { hasText: 'vote ouvert' }).count(), 1);

  // --- Two voters of two other specialties vote.
  const cast = async (page, option) => {
    const vote = page.locator('.vote', { hasText: 'Traitement de fond par ocrelizumab' });
    await vote.getByLabel(option, { exact: true }).check();
    await vote.getByRole('button', { name: /^(Voter|Modifier mon vote)$/ }).click();
    await vote.locator('.my-ballot', { hasText: `Votre vote : ${option}` }).waitFor();
  };
  await cast(ophtha, 'Favorable');
  await cast(neuro, 'Défavorable');

  // The chair sees who has voted (not for what) and why the quorum would not be met now.
  const chairVote = chair.locator('.vote', { hasText: 'Traitement de fond par ocrelizumab' });
  await chairVote.locator('.cast-count', { hasText: '2 bulletins reçus' }).waitFor();
  const quorumLine = chairVote.locator('.standing .quorum-line');
  await quorumLine.filter({ hasText: '2 votants sur 3 requis' }).waitFor();
  const line = await quorumLine.innerText();
  assert.match(line, /^Quorum non atteint/);
  assert.match(line, /2 votants sur 3 requis/);
  assert.match(line, /spécialité manquante : neuroradiology/);
  assert.equal(await quorumLine.getAttribute('data-met'), 'false');
  const standing = await chairVote.locator('.standing').innerText();
  assert.match(standing, new RegExp(`Ont voté : .*${ophthalmologist.name}`));
  assert.match(standing, new RegExp(neurologist.name));
  assert.match(standing, new RegExp(`N’a pas encore voté \\(dans la salle\\) : ${world.coordinator.name}`), 'the chair has not voted yet');
  assert.doesNotMatch(standing, /Favorable|Défavorable/, 'never what they voted');
  // The voters see it too.
  await ophtha.locator('.vote .standing .quorum-line', { hasText: 'spécialité manquante : neuroradiology' }).waitFor();

  // --- Closing without quorum asks first; cancelling keeps the vote open.
  await chairVote.getByLabel('Recommandation (synthèse de la décision)').fill('Avis d’un neuroradiologue nécessaire ; représenter le dossier.');
  await chairVote.getByRole('button', { name: 'Clore le vote' }).click();
  const dialog = chair.locator('dialog.confirm-close[open]');
  await dialog.waitFor();
  const asked = await dialog.innerText();
  assert.match(asked, /Le quorum n’est pas atteint : 2 votants sur 3 requis/);
  assert.match(asked, /neuroradiology/);
  assert.match(asked, /Clore quand même \?/);
  await dialog.getByRole('button', { name: 'Annuler, laisser le vote ouvert' }).click();
  await dialog.waitFor({ state: 'detached' }).catch(() => {});
  await chair.locator('dialog.confirm-close[open]').waitFor({ state: 'hidden' });
  await chair.waitForTimeout(500);
  assert.equal(await chairVote.count(), 1, 'the vote is still open for the chair');
  assert.equal(await ophtha.locator('.vote', { hasText: 'Traitement de fond par ocrelizumab' }).count(), 1);
  const chairToken = await world.rest.login(world.coordinator.email);
  const events = await world.rest.call('GET', `/api/sessions/${session.id}/events`, chairToken);
  assert.ok(!events.items.some((e) => e.type === 'vote_closed'), 'no vote_closed after cancelling');

  // --- A voter who reloads the page sees their own ballot, and may change it.
  await ophtha.reload();
  await connected(ophtha);
  const ophthaVote = ophtha.locator('.vote', { hasText: 'Traitement de fond par ocrelizumab' });
  await ophthaVote.locator('.my-ballot', { hasText: 'Votre vote : Favorable' }).waitFor();
  assert.equal(await ophthaVote.getByLabel('Favorable', { exact: true }).isChecked(), true);
  assert.equal(await ophthaVote.locator('.cast-count').innerText(), '2 bulletins reçus');
  await cast(ophtha, 'Examens complémentaires');
  await chairVote.locator('.cast-count', { hasText: '2 bulletins reçus' }).waitFor();

  // --- The phone's connection drops: its buttons wait, with the reason beside them; what is
  // typed stays.
  networkUp = false;
  relay.upstream.close();
  relay.ws.close({ code: 4000, reason: 'network drop' });
  await neuro.locator('#room-status[data-state="reconnecting"]').waitFor();
  const send = neuro.locator('#chat-form button[type="submit"]');
  assert.equal(await send.isDisabled(), true, 'Envoyer waits while disconnected');
  assert.equal(await neuro.locator('.vote .cast-button').isDisabled(), true, 'the ballot button waits while disconnected');
  assert.match(await neuro.locator('#chat-form .conn-note').innerText(), /reconnexion en cours/);
  assert.match(await send.getAttribute('title'), /reconnexion/);
  await neuro.getByRole('textbox', { name: 'Message' }).fill('Je reste favorable à une IRM de contrôle.');
  await neuro.getByRole('textbox', { name: 'Message' }).press('Enter');
  assert.equal(await neuro.getByRole('textbox', { name: 'Message' }).inputValue(), 'Je reste favorable à une IRM de contrôle.');

  // Meanwhile the chair votes: the phone does not hear it while away.
  await cast(chair, 'Favorable');
  await chairVote.locator('.cast-count', { hasText: '3 bulletins reçus' }).waitFor();
  await quorumLine.filter({ hasText: '3 votants sur 3 requis' }).waitFor();
  assert.match(await quorumLine.innerText(), /spécialité manquante : neuroradiology/);
  assert.equal(await neuro.locator('.vote .cast-count').innerText(), '2 bulletins reçus');

  // The network comes back: the counts are the welcome's, the message is there to send.
  networkUp = true;
  await connected(neuro);
  const neuroVote = neuro.locator('.vote', { hasText: 'Traitement de fond par ocrelizumab' });
  await neuroVote.locator('.cast-count', { hasText: '3 bulletins reçus' }).waitFor();
  await neuroVote.locator('.standing', { hasText: world.coordinator.name }).waitFor();
  await neuroVote.locator('.my-ballot', { hasText: 'Votre vote : Défavorable' }).waitFor();
  assert.equal(await send.isDisabled(), false);
  assert.equal(await neuro.getByRole('textbox', { name: 'Message' }).inputValue(), 'Je reste favorable à une IRM de contrôle.');
  await send.click();
  await chair.locator('#chat-log', { hasText: 'Je reste favorable à une IRM de contrôle.' }).waitFor();
  assert.equal(await neuro.getByRole('textbox', { name: 'Message' }).inputValue(), '');

  // --- Layouts: beside a video call and on a phone, nothing scrolls sideways or is cut off.
  await ophtha.locator('.viewer-image').waitFor({ timeout: 15000 }).catch(() => {});
  await fitsWidth(ophtha, 900);
  await fitsWidth(neuro, 390);
  await screenshot(ophtha, 'room-feedback-900');
  await screenshot(neuro, 'room-feedback-390');

  // --- The chair closes without quorum (confirmed): the vote is no longer open anywhere, the
  // outcome shows, the dossier is back in the queue and may be voted on again.
  await chairVote.getByRole('button', { name: 'Clore le vote' }).click();
  await dialog.waitFor();
  await screenshot(chair, 'room-feedback-confirm');
  await dialog.getByRole('button', { name: 'Clore quand même' }).click();
  for (const page of [chair, ophtha, neuro]) {
    await page.locator('#no-votes').waitFor();
    assert.equal(await page.locator('.vote').count(), 0);
    await page.locator('#decisions .decision-line-no_quorum', { hasText: 'sans quorum' }).waitFor();
    await page.locator('#votes .last-outcome', { hasText: 'Dernier vote clos' }).waitFor();
    await page.locator('#room-agenda .agenda-vote').waitFor({ state: 'detached' });
    // The dossier left the agenda, back to the queue: the agenda says so, the case shows it.
    await page.locator(`#room-agenda li.agenda-left[data-dossier-id="${dossier.id}"] .badge.status-no_quorum`, { hasText: 'Sans quorum' }).waitFor();
    await page.locator('#focus .badge.status-submitted', { hasText: 'Soumis' }).waitFor();
    await page.locator('#decisions', { hasText: 'Décision sur RCP-' }).waitFor();
  }
  await chair.locator('#chair-controls .chair-note', { hasText: 'sans quorum' }).waitFor();
  assert.equal(await chair.locator('#open-vote-form').count(), 0, 'no vote can be opened on a dossier off the agenda');
  const decided = await world.rest.call('GET', `/api/dossiers/${dossier.id}`, chairToken);
  assert.equal(decided.status, 'submitted');
  await screenshot(chair, 'room-feedback-no-quorum');

  // After a reload too (the dossier is off the session's agenda by then), the room says so.
  await chair.reload();
  await connected(chair);
  await chair.locator(`#room-agenda li.agenda-left[data-dossier-id="${dossier.id}"]`, { hasText: 'RCP-' }).waitFor();
  await chair.locator('#decisions', { hasText: 'Décision sur RCP-' }).waitFor();
  await chair.locator('#votes .last-outcome', { hasText: 'sans quorum' }).waitFor();
  assert.equal(await chair.locator('.vote').count(), 0);

  // --- The voter's sign-in is revoked (signed out elsewhere with the same token): the room's
  // socket closes with 4401 and the whole app goes to the sign-in page with the notice; signing
  // in again comes back to the room.
  const revokedToken = await ophtha.evaluate(() => localStorage.getItem('consilium.token'));
  assert.ok(revokedToken, 'the page keeps its token');
  const logout = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${revokedToken}` } });
  assert.equal(logout.status, 204);
  await ophtha.locator('#login-notice', { hasText: 'Votre session a expiré ; reconnectez-vous.' }).waitFor({ timeout: 15000 });
  assert.match(new URL(ophtha.url()).hash, /^#\/login/);
  assert.equal(await ophtha.locator('#login-email').isVisible(), true);
  await screenshot(ophtha, 'room-feedback-revoked');
  await ophtha.locator('#login-email').fill(ophthalmologist.email);
  await ophtha.locator('#login-password').fill(ophthalmologist.password);
  await ophtha.locator('#login-submit').click();
  await connected(ophtha);
  assert.equal(new URL(ophtha.url()).hash, `#/sessions/${session.id}/live`);

  for (const page of [chair, ophtha, neuro]) {
    page.problems.splice(0, page.problems.length, ...page.problems.filter((p) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(p)));
    assertNoProblems(page);
  }
});
