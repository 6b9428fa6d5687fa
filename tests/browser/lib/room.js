// The live room driven over its WebSocket as any client would, run in a page (which has WebSocket).

/**
 * A decision on one dossier: the chair opens a vote with these options, every voter casts
 * `option` (with `comment`, when given), the chair closes it with `summary`. Returns the decision.
 * The request ids name the dossier: the server answers a repeated request id with its first ack
 * and does nothing, so one call per dossier may follow another in the same session.
 */
export async function decideInRoom(page, { sessionId, dossierId, chairToken, voterTokens, proposal, options, option, comment, summary }) {
  return page.evaluate(async ({ sessionId, dossierId, chairToken, voterTokens, proposal, options, option, comment, summary }) => {
    const url = `${location.origin.replace(/^http/, 'ws')}/api/sessions/${sessionId}/live`;
    const join = (token) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const waiting = [];
      const seen = [];
      const client = {
        send: (m) => ws.send(JSON.stringify(m)),
        next: (match) => new Promise((res, rej) => {
          waiting.push({ match, resolve: res });
          setTimeout(() => rej(new Error(`no answer in 10 s (received: ${seen.join(', ')})`)), 10000);
        }),
        close: () => ws.close(),
      };
      ws.onmessage = (e) => {
        const msg = JSON.parse(e.data);
        seen.push(msg.type === 'error' ? `error ${JSON.stringify(msg)}` : msg.type);
        for (const w of [...waiting]) if (w.match(msg)) { waiting.splice(waiting.indexOf(w), 1); w.resolve(msg); }
        if (msg.type === 'welcome') resolve(client);
      };
      ws.onerror = () => reject(new Error('socket error'));
      ws.onopen = () => client.send({ type: 'hello', token, since: null });
    });
    const chair = await join(chairToken);
    const voters = await Promise.all(voterTokens.map(join));
    const opened = chair.next((m) => m.type === 'vote_opened' && m.vote.dossier_id === dossierId);
    chair.send({ type: 'open_vote', dossier_id: dossierId, proposal, options, request_id: `open-${dossierId}` });
    const { vote } = await opened;
    await Promise.all(voters.map((v, i) => {
      const ack = v.next((m) => m.type === 'ack' && m.request_id === `cast-${dossierId}-${i}`);
      const cast = { type: 'cast', vote_id: vote.id, option, request_id: `cast-${dossierId}-${i}` };
      if (comment !== undefined) cast.comment = comment;
      v.send(cast);
      return ack;
    }));
    const closed = chair.next((m) => m.type === 'vote_closed' && m.vote_id === vote.id);
    chair.send({ type: 'close_vote', vote_id: vote.id, summary, request_id: `close-${dossierId}` });
    const { decision } = await closed;
    for (const c of [chair, ...voters]) c.close();
    return decision;
  }, { sessionId, dossierId, chairToken, voterTokens, proposal, options, option, comment, summary });
}
