// Meetings, calendars and notifications in the browser (API.md section 12). The coordinator
// publishes a session's agenda from its page while a member has the app open elsewhere: the
// member's badge goes from 0 to 1 without a reload, the inbox lists the invitation, opening it
// leads to the session and the badge goes back to 0; the member downloads the invitation for
// their calendar. The coordinator changes the session (the member hears of it), and cancels
// another one after confirming. The member sets their mail preference and subscribes a calendar.
// Also: the badge's event stream reconnects by itself when it is cut, and stops on sign-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer } from './lib/server.js';
import { buildWorld, submittedDossier, sessionWith } from './lib/world.js';
import { launch, personPage, signIn, screenshot, assertNoProblems } from './lib/browser.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

/** Accepts (or dismisses) the next confirmation; resolves with its question. */
function nextDialog(page, accept) {
  return new Promise((resolve) => {
    page.once('dialog', async (dialog) => {
      const message = dialog.message();
      if (accept) await dialog.accept(); else await dialog.dismiss();
      resolve(message);
    });
  });
}

test('publish, the live badge and the inbox, change, cancel; preferences and the calendar feed', { timeout: 180000 }, async () => {
  const world = await buildWorld(server);
  const dossier = await submittedDossier(world);
  const session = await sessionWith(world, [dossier.id]);
  const other = await sessionWith(world, []);
  const coordinatorToken = await world.rest.login(world.coordinator.email);
  await world.rest.call('PATCH', `/api/sessions/${other.id}`, coordinatorToken, { title: 'Extra MS board' });

  // --- The member has the app open, on another page than the session's.
  const member = await personPage(browser, server);
  await signIn(member, world.specialists[0]);
  await member.locator('#inbox-badge[data-unread="0"]').waitFor();
  // A mark on the window: it survives as long as the page is not reloaded.
  await member.evaluate(() => { window.consiliumTestMark = 'no reload'; });
  const notReloaded = async () => assert.equal(await member.evaluate(() => window.consiliumTestMark), 'no reload');

  // --- The coordinator opens the planned session and publishes its agenda.
  const coordinator = await personPage(browser, server);
  await signIn(coordinator, world.coordinator);
  await coordinator.goto(`${server.url}/#/sessions/${session.id}`);
  await coordinator.getByRole('heading', { name: 'Weekly MS board' }).waitFor();
  assert.equal(await coordinator.locator('#session-status').innerText(), 'planifiée');
  assert.match(await coordinator.locator('#session-published').innerText(), /pas encore publié/);
  await screenshot(coordinator, 'meetings-01-session-planned');
  await coordinator.getByRole('button', { name: 'Publier l’ordre du jour' }).click();
  await coordinator.locator('#session-published', { hasText: 'Ordre du jour publié le' }).waitFor();
  await coordinator.locator('#session-message', { hasText: 'les membres et les médecins demandeurs sont prévenus' }).waitFor();
  assert.equal(await coordinator.getByRole('button', { name: 'Publier l’ordre du jour' }).count(), 0, 'published once');

  // --- The member's badge follows, without a reload.
  await member.locator('#inbox-badge[data-unread="1"]').waitFor({ timeout: 10000 });
  await notReloaded();
  assert.match(await member.locator('#inbox-link').innerText(), /Notifications\s*1/);
  assert.equal(await member.locator('#inbox-badge').getAttribute('aria-live'), 'polite');
  await screenshot(member, 'meetings-02-member-badge');

  // --- The inbox lists the invitation; opening it leads to the session and reads it.
  await member.getByRole('link', { name: /^Notifications/ }).click();
  await member.getByRole('heading', { name: 'Notifications' }).waitFor();
  const invitation = member.locator('#notifications li[data-kind="session_published"]');
  await invitation.waitFor();
  assert.equal(await member.locator('#notifications li').count(), 1);
  assert.match(await invitation.getAttribute('class'), /\bunread\b/);
  assert.match(await invitation.innerText(), /Séance publiée/);
  assert.match(await invitation.innerText(), /Non lue/);
  await screenshot(member, 'meetings-03-member-inbox');
  await invitation.getByRole('link').click();
  await member.getByRole('heading', { name: 'Weekly MS board' }).waitFor();
  assert.ok(member.url().endsWith(`#/sessions/${session.id}`), member.url());
  await member.locator('#inbox-badge[data-unread="0"]').waitFor();
  await notReloaded();
  assert.match(await member.locator('#session-published').innerText(), /Ordre du jour publié le/);
  for (const id of ['#session-publish', '#session-cancel', '#session-edit']) {
    assert.equal(await member.locator(id).count(), 0, `a member has no ${id}`);
  }

  // The invitation for the member's calendar: a download carrying the bearer token.
  const [ics] = await Promise.all([
    member.waitForEvent('download'),
    member.getByRole('button', { name: 'Ajouter à mon agenda' }).click(),
  ]);
  const calendar = await readFile(await ics.path(), 'utf8');
  assert.match(calendar, /^BEGIN:VCALENDAR/);
  assert.match(calendar, new RegExp(`UID:session-${session.id}@`));
  await member.locator('#session-message', { hasText: 'Invitation téléchargée' }).waitFor();

  // --- The coordinator changes the session's length: refused in the page first, then saved;
  // the member hears of it.
  await coordinator.locator('#session-edit summary').click();
  await coordinator.getByLabel('Durée (minutes)').fill('5');
  await coordinator.getByRole('button', { name: 'Enregistrer les modifications' }).click();
  await coordinator.locator('#se-duration[aria-invalid="true"]').waitFor();
  await coordinator.getByLabel('Durée (minutes)').fill('120');
  // The server's refusal shows next to its field.
  await coordinator.getByLabel('Lien de visioconférence').fill('ftp://visio.example.org/ms');
  await coordinator.getByRole('button', { name: 'Enregistrer les modifications' }).click();
  await coordinator.locator('#se-video[aria-invalid="true"]').waitFor();
  assert.notEqual((await coordinator.locator('#se-video-error').innerText()).trim(), '');
  await coordinator.getByLabel('Lien de visioconférence').fill('');
  await coordinator.getByRole('button', { name: 'Enregistrer les modifications' }).click();
  await coordinator.locator('#session-message', { hasText: 'Séance modifiée.' }).waitFor();
  assert.match(await coordinator.locator('main').innerText(), /120 min/);
  const changed = await world.rest.call('GET', `/api/sessions/${session.id}`, coordinatorToken);
  assert.equal(changed.duration_minutes, 120);
  assert.equal(changed.title, 'Weekly MS board', 'only what changed is sent');
  await member.locator('#inbox-badge[data-unread="1"]').waitFor({ timeout: 10000 });
  await notReloaded();

  // --- The coordinator cancels the other session, after confirming (a first "no" keeps it).
  await coordinator.goto(`${server.url}/#/sessions/${other.id}`);
  await coordinator.getByRole('heading', { name: 'Extra MS board' }).waitFor();
  const declined = nextDialog(coordinator, false);
  await coordinator.getByRole('button', { name: 'Annuler la séance' }).click();
  assert.match(await declined, /Annuler la séance « Extra MS board »/);
  assert.equal(await coordinator.locator('#session-status').innerText(), 'planifiée');
  const accepted = nextDialog(coordinator, true);
  await coordinator.getByRole('button', { name: 'Annuler la séance' }).click();
  await accepted;
  await coordinator.locator('#session-status', { hasText: 'annulée' }).waitFor();
  await coordinator.locator('#session-message', { hasText: 'La séance est annulée.' }).waitFor();
  assert.equal(await coordinator.getByRole('button', { name: 'Annuler la séance' }).count(), 0);
  assert.equal(await coordinator.locator('#open-room').count(), 0, 'no room for a cancelled session');
  assert.equal((await world.rest.call('GET', `/api/sessions/${other.id}`, coordinatorToken)).status, 'cancelled');
  await screenshot(coordinator, 'meetings-04-session-cancelled');

  // --- The member reads all, then sets the mail preference and subscribes a calendar.
  await member.getByRole('link', { name: /^Notifications/ }).click();
  await member.locator('#notifications li.unread[data-kind="session_updated"]').waitFor();
  await member.getByRole('button', { name: 'Tout marquer comme lu' }).click();
  await member.locator('#inbox-message', { hasText: 'Toutes les notifications sont marquées comme lues.' }).waitFor();
  await member.locator('#inbox-badge[data-unread="0"]').waitFor();
  assert.equal(await member.locator('#notifications li.unread').count(), 0);
  assert.equal(await member.getByRole('button', { name: 'Tout marquer comme lu' }).isDisabled(), true);

  await member.getByRole('link', { name: 'Préférences de notification' }).click();
  await member.getByRole('heading', { name: 'Préférences' }).waitFor();
  assert.equal(await member.getByLabel('À chaque notification').isChecked(), true, 'immediate by default');
  await member.getByLabel('Un résumé par jour, à 07:00').check();
  await member.getByRole('button', { name: 'Enregistrer', exact: true }).click();
  await member.locator('#prefs-mail-status', { hasText: 'Préférence enregistrée.' }).waitFor();
  const memberToken = await world.rest.login(world.specialists[0].email);
  assert.deepEqual(await world.rest.call('GET', '/api/me/preferences', memberToken), { mail: 'daily_digest' });

  await member.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await member.getByRole('button', { name: 'S’abonner' }).click();
  const feed = member.getByLabel('Adresse de votre agenda');
  await feed.waitFor();
  const url = await feed.inputValue();
  assert.match(url, /\/api\/calendar\/[0-9a-zA-Z_-]+\.ics$/);
  assert.match(await member.locator('#calendar-warning').innerText(), /personnelle/);
  await member.getByRole('button', { name: 'Copier l’adresse' }).click();
  await member.locator('#calendar-status', { hasText: 'Adresse copiée.' }).waitFor();
  assert.equal(await member.evaluate(() => navigator.clipboard.readText()), url);
  const subscribed = await fetch(url);
  assert.equal(subscribed.status, 200);
  assert.match(await subscribed.text(), new RegExp(`UID:session-${session.id}@`));
  await screenshot(member, 'meetings-05-preferences');
  await notReloaded();

  // Subscribing again replaces the address: the old one stops working.
  await member.getByRole('button', { name: 'S’abonner' }).click();
  await member.waitForFunction((old) => document.getElementById('calendar-url')?.value !== old, url);
  assert.equal((await fetch(url)).status, 404);

  assertNoProblems(coordinator);
  assertNoProblems(member);
});

/**
 * Lets the test cut the page's inbox event streams, as a network drop would: `window.cutInboxStreams()`
 * makes each open stream fail; the page's own reconnection does the rest.
 */
function cuttableEventStreams() {
  const cuts = [];
  const realFetch = window.fetch.bind(window);
  window.cutInboxStreams = () => { for (const cut of cuts.splice(0)) cut(); };
  window.fetch = async (input, init) => {
    const res = await realFetch(input, init);
    if (!String(input).includes('/api/me/events') || !res.body) return res;
    const reader = res.body.getReader();
    let cut;
    const cutOff = new Promise((resolve, reject) => { cut = () => reject(new TypeError('network error (cut by the test)')); });
    cutOff.catch(() => {});
    cuts.push(cut);
    const body = new ReadableStream({
      async pull(controller) {
        try {
          const { value, done } = await Promise.race([reader.read(), cutOff]);
          if (done) controller.close(); else controller.enqueue(value);
        } catch (err) {
          controller.error(err);
          reader.cancel().catch(() => {});
        }
      },
      cancel(reason) { return reader.cancel(reason); },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

test('the badge reconnects by itself when its stream is cut, and stops on sign-out', { timeout: 120000 }, async () => {
  const world = await buildWorld(server);
  const dossier = await submittedDossier(world);
  const session = await sessionWith(world, [dossier.id]);
  const member = await personPage(browser, server);
  await member.addInitScript(cuttableEventStreams);
  const streams = [];
  member.on('request', (r) => { if (new URL(r.url()).pathname === '/api/me/events') streams.push(r); });
  await signIn(member, world.specialists[1]);
  await member.locator('#inbox-badge[data-unread="0"]').waitFor();
  await member.evaluate(() => { window.consiliumTestMark = 'no reload'; });
  const opened = streams.length;
  assert.equal(opened, 1, 'one stream, kept across navigations');
  await member.getByRole('link', { name: 'Groupes et séances' }).click();
  await member.getByRole('heading', { name: 'Groupes et séances' }).waitFor();
  assert.equal(streams.length, 1, 'navigating keeps the stream');

  // Cut: the page reconnects (about a second later) and hears what happened meanwhile.
  await member.evaluate(() => window.cutInboxStreams());
  const token = await world.rest.login(world.coordinator.email);
  await world.rest.call('POST', `/api/sessions/${session.id}/publish`, token);
  await member.locator('#inbox-badge[data-unread="1"]').waitFor({ timeout: 10000 });
  assert.equal(streams.length, 2, 'one new stream');
  assert.equal(await member.evaluate(() => window.consiliumTestMark), 'no reload');

  // Signing out stops it: no stream is opened again.
  await member.getByRole('button', { name: 'Se déconnecter' }).click();
  await member.getByRole('button', { name: 'Se connecter' }).waitFor();
  await member.waitForTimeout(3000);
  assert.equal(streams.length, 2, 'no stream after sign-out');
  assert.equal(await member.locator('#inbox-badge').count(), 0);
  assertNoProblems(member);
});
