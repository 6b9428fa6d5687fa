// The live room after a network drop: it shows that it is reconnecting, reconnects by itself
// with `since`, and catches up on what was said and decided meanwhile. Also after a server
// restart (the server closes rooms with 1001).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { buildWorld, submittedDossier, sessionWith } from './lib/world.js';
import { launch, personPage, signIn, screenshot, assertNoProblems } from './lib/browser.js';

let server;
let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

test('a dropped connection reconnects with since and catches up', { timeout: 120000 }, async () => {
  server = await startServer();
  const world = await buildWorld(server);
  const dossier = await submittedDossier(world);
  const session = await sessionWith(world, [dossier.id]);
  const roomUrl = `${server.url}/#/sessions/${session.id}/live`;

  const chair = await personPage(browser, server);
  await signIn(chair, world.coordinator);
  await chair.goto(roomUrl);
  await chair.locator('#room-status[data-state="open"]', { hasText: 'Connecté' }).waitFor();

  // The specialist's room socket goes through a relay that the test can cut, as a network
  // drop would, and that refuses new connections while the "network" is down.
  const specialist = await personPage(browser, server);
  const hellos = [];
  let networkUp = true;
  let current = null;
  await specialist.routeWebSocket(/\/api\/sessions\/.*\/live$/, (ws) => {
    if (!networkUp) {
      ws.close({ code: 4000, reason: 'network down' });
      return;
    }
    const upstream = ws.connectToServer();
    ws.onMessage((m) => {
      const msg = JSON.parse(String(m));
      if (msg.type === 'hello') hellos.push(msg);
      upstream.send(m);
    });
    upstream.onMessage((m) => ws.send(m));
    current = { ws, upstream };
  });
  await signIn(specialist, world.specialists[0]);
  await specialist.goto(roomUrl);
  await specialist.locator('#room-status[data-state="open"]', { hasText: 'Connecté' }).waitFor();
  await chair.getByRole('textbox', { name: 'Message', exact: true }).fill('Before the drop');
  await chair.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await specialist.locator('#chat-log', { hasText: 'Before the drop' }).waitFor();

  // Drop.
  networkUp = false;
  current.upstream.close();
  current.ws.close({ code: 4000, reason: 'network drop' });
  await specialist.locator('#room-status[data-state="reconnecting"]', { hasText: 'Reconnexion' }).waitFor();
  await chair.locator(`#presence li[data-user-id="${world.specialists[0].id}"]`).waitFor({ state: 'detached' });

  // Meanwhile the room goes on.
  await chair.getByRole('textbox', { name: 'Message', exact: true }).fill('Said while you were away');
  await chair.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await chair.locator('#chat-log', { hasText: 'Said while you were away' }).waitFor();
  await chair.getByRole('button', { name: /^Examiner RCP-/ }).click();
  await chair.locator('#focus-title').waitFor();
  await chair.getByLabel('Proposition').fill('Start ocrelizumab');
  await chair.getByRole('button', { name: 'Ouvrir le vote' }).click();
  await chair.locator('.vote', { hasText: 'Start ocrelizumab' }).waitFor();
  await screenshot(specialist, '10-live-room-reconnecting');
  assert.equal(await specialist.locator('#chat-log', { hasText: 'Said while you were away' }).count(), 0);

  // The network comes back: the page reconnects by itself and catches up.
  networkUp = true;
  await specialist.locator('#room-status[data-state="open"]', { hasText: 'Connecté' }).waitFor({ timeout: 15000 });
  await specialist.locator('#chat-log', { hasText: 'Said while you were away' }).waitFor();
  await specialist.locator('.vote', { hasText: 'Start ocrelizumab' }).waitFor();
  await specialist.locator('#focus-title').waitFor();
  assert.equal(await specialist.locator('#chat-log p', { hasText: 'Before the drop' }).count(), 1, 'nothing shown twice');
  const first = hellos[0];
  const last = hellos[hellos.length - 1];
  assert.equal(first.since, 0);
  assert.ok(Number.isInteger(last.since) && last.since >= 1, `reconnected with since: ${JSON.stringify(last)}`);
  await chair.locator(`#presence li[data-user-id="${world.specialists[0].id}"]`).waitFor();

  // And it works as before: a ballot after the reconnection counts.
  const vote = specialist.locator('.vote', { hasText: 'Start ocrelizumab' });
  await vote.getByLabel('Favorable', { exact: true }).check();
  await vote.getByRole('button', { name: 'Voter', exact: true }).click();
  await chair.locator('.vote .cast-count', { hasText: '1 bulletin reçu' }).waitFor();

  // A server restart: the server closes the room with 1001; the page reconnects to the new
  // process on the same address and catches up.
  await server.stop();
  await specialist.locator('#room-status[data-state="reconnecting"]', { hasText: 'Reconnexion' }).waitFor();
  await chair.locator('#room-status[data-state="reconnecting"]', { hasText: 'Reconnexion' }).waitFor();
  server = await startServer({ dataDir: server.dataDir, port: server.port, ownsDataDir: true });
  await chair.locator('#room-status[data-state="open"]', { hasText: 'Connecté' }).waitFor({ timeout: 15000 });
  await specialist.locator('#room-status[data-state="open"]', { hasText: 'Connecté' }).waitFor({ timeout: 15000 });
  await chair.getByRole('textbox', { name: 'Message', exact: true }).fill('After the restart');
  await chair.getByRole('button', { name: 'Envoyer', exact: true }).click();
  await specialist.locator('#chat-log', { hasText: 'After the restart' }).waitFor();
  await specialist.locator('.vote', { hasText: 'Start ocrelizumab' }).waitFor();

  // The connection errors of the drop are expected; nothing else may have gone wrong.
  for (const page of [chair, specialist]) {
    page.problems.splice(0, page.problems.length, ...page.problems.filter((p) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(p)));
    assertNoProblems(page);
  }
});
