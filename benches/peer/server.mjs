// The Socket.IO 4 peer of Consilium's live rooms, for the side-by-side benchmark
// (benches/live_peer.rs). Same room shape (chat, open_vote, cast; per-room seq; broadcast to
// the room, ack to the author), kept in memory only: nothing is durable, which is the point of
// the comparison.
//
//   node server.mjs --port 0
//
// Prints exactly one line to stdout, `listening on http://127.0.0.1:PORT`, then nothing per
// message. Exits on SIGTERM or SIGINT.

import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(arg('--port', '0'));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`bad --port ${arg('--port', '')}\n`);
  process.exit(2);
}

const httpServer = createServer();
// `ws` (under engine.io) already sets no-delay on upgraded sockets; this makes it explicit and
// covers the HTTP upgrade request itself.
httpServer.on('connection', (s) => s.setNoDelay(true));

const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
});

/** session_id -> { seq, votes: Map<vote id, { options, ballots: Map<token, option> }> } */
const rooms = new Map();
/** token -> user id (one simulated user may hold connections in several rooms) */
const userIds = new Map();

function roomOf(id) {
  let room = rooms.get(id);
  if (!room) {
    room = { seq: 0, votes: new Map() };
    rooms.set(id, room);
  }
  return room;
}

const isText = (v) => typeof v === 'string' && v.length > 0;

io.on('connection', (socket) => {
  let joined = null; // { room, roomId, token, by }

  socket.on('hello', (p, cb) => {
    if (typeof cb !== 'function') return;
    if (!p || !isText(p.token) || !isText(p.session_id)) {
      cb({ type: 'error', code: 'invalid', message: 'hello needs token and session_id' });
      return;
    }
    if (joined) {
      cb({ type: 'error', code: 'invalid', message: 'already joined' });
      return;
    }
    let id = userIds.get(p.token);
    if (!id) {
      id = randomUUID();
      userIds.set(p.token, id);
    }
    joined = {
      room: roomOf(p.session_id),
      roomId: p.session_id,
      token: p.token,
      // The same fields as Consilium's `User`, so that messages are the same size.
      by: {
        id, email: `u-${id.slice(0, 8)}@load.example.org`, name: 'Dr Load 42', role: 'clinician',
        specialty: 'Neurology', organization: 'CH Load', locale: 'fr', external_id: null,
        created_at: new Date().toISOString(),
      },
    };
    socket.join(p.session_id);
    cb({ type: 'welcome', seq: joined.room.seq });
  });

  socket.on('cmd', (c, cb) => {
    const ack = typeof cb === 'function' ? cb : () => {};
    const request_id = c && typeof c.request_id === 'string' ? c.request_id : undefined;
    const invalid = () => ack({ type: 'error', code: 'invalid', request_id });
    if (!joined) {
      ack({ type: 'error', code: 'forbidden', request_id });
      return;
    }
    if (!c || typeof c !== 'object') {
      invalid();
      return;
    }
    const { room, roomId, by } = joined;
    switch (c.type) {
      case 'chat': {
        if (!isText(c.text)) return invalid();
        const seq = ++room.seq;
        io.to(roomId).emit('msg', { type: 'chat', seq, at: new Date().toISOString(), by, text: c.text });
        ack({ type: 'ack', request_id, seq });
        return;
      }
      case 'open_vote': {
        const { dossier_id, proposal, options } = c;
        if (!isText(dossier_id) || !isText(proposal) || !Array.isArray(options)
          || options.length < 2 || !options.every(isText)) {
          return invalid();
        }
        const id = randomUUID();
        room.votes.set(id, { options, ballots: new Map() });
        const seq = ++room.seq;
        io.to(roomId).emit('msg', {
          type: 'vote_opened',
          seq,
          at: new Date().toISOString(),
          by,
          vote: { id, dossier_id, proposal, options, status: 'open' },
        });
        ack({ type: 'ack', request_id, seq });
        return;
      }
      case 'cast': {
        const vote = isText(c.vote_id) ? room.votes.get(c.vote_id) : undefined;
        if (!vote || !isText(c.option) || !vote.options.includes(c.option)) return invalid();
        vote.ballots.set(by.id, c.option);
        // As Consilium's tally: who has voted (ids) and where the quorum stands.
        const voters = [...vote.ballots.keys()];
        io.to(roomId).emit('msg', {
          type: 'tally', vote_id: c.vote_id, cast: voters.length, voters,
          quorum: {
            met: voters.length >= 3, voters: voters.length, specialties: ['Neurology'],
            missing_specialties: [], missing_voters: Math.max(0, 3 - voters.length),
            missing_specialty_count: 0, rule: { min_voters: 3, required_specialties: [] },
          },
        });
        ack({ type: 'ack', request_id });
        return;
      }
      default:
        invalid();
    }
  });
});

httpServer.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${httpServer.address().port}\n`);
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  // Closing every socket.io socket then the HTTP server; do not wait long for stragglers.
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
