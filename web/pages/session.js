// A session's page: when, its status, its agenda, and (API.md section 12) for the board's
// coordinators publishing the agenda, changing the session and cancelling it; for everyone who
// may join it, its invitation for their calendar.
import { get, post, api, query, download } from '../api.js';
import {
  h, replace, field, clearErrors, showError, toUtc, toLocalInput,
} from '../dom.js';
import { boardsWithRoles, may } from '../context.js';
import { t, formatTime } from '../i18n.js';
import { statusBadge as badgeOf, coordPage } from '../boards/ui.js';

/** Disables `button` while `work()` runs. */
async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try { return await work(); } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, id: 'session-status' }, t(`session.status.${status}`));
}

/** The coordinator's form for the title, time, length and video link; `onSaved(session, changed)`. */
function editForm(session, onSaved) {
  const title = h('input', { id: 'se-title', type: 'text', required: true, maxlength: 200, 'data-field': 'title', value: session.title });
  const when = h('input', { id: 'se-when', type: 'datetime-local', required: true, 'data-field': 'scheduled_at', value: toLocalInput(session.scheduled_at) });
  const duration = h('input', {
    id: 'se-duration', type: 'number', min: 15, max: 480, step: 5, required: true, 'data-field': 'duration_minutes', value: session.duration_minutes,
  });
  const video = h('input', { id: 'se-video', type: 'url', 'data-field': 'video_url', placeholder: 'https://', value: session.video_url || '' });
  const save = h('button', { type: 'submit', id: 'se-save' }, t('session.edit.save'));
  const form = h('form', { novalidate: true, 'aria-label': t('session.edit.form') },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    session.published_at ? h('p', { class: 'hint' }, t('session.edit.notice')) : null,
    h('div', { class: 'row' },
      field(t('session.edit.title'), title),
      field(t('session.edit.when'), when, { hint: t('session.edit.when.hint') }),
      field(t('session.edit.duration'), duration, { hint: t('session.edit.duration.hint') })),
    h('div', { class: 'row' }, field(t('session.edit.video'), video, { hint: t('session.edit.video.hint') })),
    h('div', { class: 'actions' }, save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const minutes = Number(duration.value);
    if (!title.value.trim()) { showError(form, { field: 'title', message: t('session.edit.title.missing') }); return; }
    if (!when.value) { showError(form, { field: 'scheduled_at', message: t('session.edit.when.missing') }); return; }
    if (!Number.isInteger(minutes) || minutes < 15 || minutes > 480) {
      showError(form, { field: 'duration_minutes', message: t('session.edit.duration.hint') });
      return;
    }
    // Only what changed is sent: once published, each change tells those concerned.
    const body = {};
    if (title.value.trim() !== session.title) body.title = title.value.trim();
    if (when.value !== toLocalInput(session.scheduled_at)) body.scheduled_at = toUtc(when.value);
    if (minutes !== session.duration_minutes) body.duration_minutes = minutes;
    if (video.value.trim() !== (session.video_url || '')) body.video_url = video.value.trim();
    if (!Object.keys(body).length) { onSaved(session, false); return; }
    await busy(save, async () => {
      try {
        const changed = await api('PATCH', `/api/sessions/${session.id}`, body);
        await onSaved(changed, true);
      } catch (err) {
        showError(form, err);
      }
    });
  });
  return form;
}

export async function sessionPage(main, id) {
  coordPage(main);
  let session = await get(`/api/sessions/${id}`);
  const boards = await boardsWithRoles();
  const board = boards.find((b) => b.id === session.board_id);
  // Kept across renders, so that a screen reader hears what changed.
  const status = h('p', { class: 'hint', id: 'session-message', role: 'status', 'aria-live': 'polite' });
  const errorLine = h('p', { class: 'form-error', role: 'alert', id: 'session-error', hidden: true });
  const say = (text) => { errorLine.hidden = true; status.textContent = text || ''; };
  const fail = (err) => { status.textContent = ''; errorLine.textContent = err.message; errorLine.hidden = false; };

  /** Runs a session action from `button`, then shows the new session and `done`. */
  const act = (button, path, done, focusId) => busy(button, async () => {
    say('');
    try {
      session = await post(`/api/sessions/${id}/${path}`);
      await render();
    } catch (err) {
      fail(err);
      return;
    }
    say(done);
    main.querySelector(`#${focusId}`)?.focus();
  });

  // The actions offered are those the server says this user may take (`session.can`).
  async function render() {
    const managesAgenda = may(session, 'manage_agenda');
    const cancelled = session.status === 'cancelled';
    const queue = managesAgenda
      ? (await get(`/api/dossiers${query({ board_id: session.board_id, status: 'submitted' })}`)).items
      : [];
    const agendaForm = h('form', { class: 'actions agenda-form', novalidate: true, 'aria-label': t('boards.session.agenda.form') },
      h('p', { class: 'form-error', role: 'alert', hidden: true }));
    if (managesAgenda) {
      const pick = h('select', { id: 'agenda-dossier', 'data-field': 'dossier_id' },
        queue.length ? queue.map((d) => h('option', { value: d.id }, t('boards.session.agenda.option', { reference: d.reference, title: d.title })))
          : h('option', { value: '' }, t('boards.session.agenda.none_submitted')));
      const add = h('button', { type: 'submit', disabled: !queue.length }, t('boards.session.agenda.add'));
      agendaForm.append(field(t('boards.session.agenda.pick'), pick), add);
      agendaForm.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearErrors(agendaForm);
        await busy(add, async () => {
          try {
            session = await post(`/api/sessions/${id}/agenda`, { dossier_id: pick.value });
            await render();
            main.querySelector('#agenda-dossier')?.focus();
          } catch (err) { showError(agendaForm, err); }
        });
      });
    }

    const publishButton = may(session, 'publish')
      ? h('button', { type: 'button', id: 'session-publish', 'aria-describedby': 'session-publish-hint' }, t('session.publish'))
      : null;
    publishButton?.addEventListener('click', () => act(publishButton, 'publish', t('session.publish.done'), 'session-published'));

    const calendarButton = cancelled ? null
      : h('button', { type: 'button', class: 'secondary', id: 'session-ics' }, t('session.calendar'));
    calendarButton?.addEventListener('click', () => busy(calendarButton, async () => {
      say('');
      try {
        const file = await download(`/api/sessions/${id}/invite.ics`, `seance-${id}.ics`);
        say(t('session.calendar.done', { file }));
      } catch (err) { fail(err); }
    }));

    const closeButton = may(session, 'close')
      ? h('button', { type: 'button', class: 'secondary', id: 'session-close' }, t('boards.session.close')) : null;
    closeButton?.addEventListener('click', () => {
      if (!window.confirm(t('boards.session.close.confirm', { title: session.title }))) return;
      act(closeButton, 'close', t('boards.session.close.done'), 'session-state');
    });

    const cancelButton = may(session, 'cancel')
      ? h('button', { type: 'button', class: 'danger', id: 'session-cancel' }, t('session.cancel')) : null;
    cancelButton?.addEventListener('click', () => {
      const question = session.published_at ? 'session.cancel.confirm.published' : 'session.cancel.confirm';
      if (!window.confirm(t(question, { title: session.title }))) return;
      act(cancelButton, 'cancel', t('session.cancel.done'), 'session-state');
    });

    const edit = may(session, 'edit')
      ? h('details', { class: 'card', id: 'session-edit' },
        h('summary', {}, t('session.edit')),
        editForm(session, async (changed, didChange) => {
          if (!didChange) { say(t('session.edit.none')); return; }
          session = changed;
          try { await render(); } catch (err) { fail(err); return; }
          say(t('session.edit.saved'));
          main.querySelector('h1')?.focus();
        }))
      : null;

    replace(main,
      h('h1', {}, session.title),
      h('p', { id: 'session-when' }, `${formatTime(session.scheduled_at)} · ${t('session.duration', { minutes: session.duration_minutes })}`,
        board ? ` · ${board.name}` : ''),
      h('p', { id: 'session-state', tabindex: '-1' }, `${t('session.status')} `, statusBadge(session.status)),
      cancelled ? h('p', { class: 'form-error' }, t('session.cancelled.note')) : null,
      session.published_at || !cancelled ? h('p', { id: 'session-published', tabindex: '-1' },
        session.published_at ? t('session.published', { date: formatTime(session.published_at) }) : t('session.unpublished')) : null,
      session.video_url && !cancelled ? h('p', {}, h('a', { href: session.video_url, target: '_blank', rel: 'noopener noreferrer' }, t('boards.session.video'))) : null,
      h('div', { class: 'actions', role: 'group', 'aria-label': t('session.actions') },
        session.status !== 'closed' && !cancelled ? h('a', { class: 'button', href: `#/sessions/${id}/live`, id: 'open-room' }, may(session, 'chair') ? t('boards.session.room.chair') : t('boards.session.room.join')) : null,
        publishButton, calendarButton, closeButton, cancelButton),
      publishButton ? h('p', { class: 'hint', id: 'session-publish-hint' }, t('session.publish.hint')) : null,
      status,
      errorLine,
      edit,
      h('section', { class: 'card', 'aria-labelledby': 'agenda-h' },
        h('h2', { id: 'agenda-h' }, t('boards.session.agenda')),
        session.agenda.length ? h('ol', { id: 'agenda' }, session.agenda.map((a) => h('li', { 'data-dossier-id': a.dossier_id },
          h('a', { href: `#/dossiers/${a.dossier_id}` }, a.reference), ' ', h('span', {}, a.title), ' ', badgeOf('dossier', a.status), ' ',
          managesAgenda && a.status === 'scheduled' ? h('button', {
            type: 'button', class: 'secondary', 'aria-label': t('boards.session.agenda.remove.label', { reference: a.reference }),
            onclick: async (e) => {
              const button = e.currentTarget;
              await busy(button, async () => {
                try { session = await api('DELETE', `/api/sessions/${id}/agenda/${a.dossier_id}`); await render(); } catch (err) { fail(err); }
              });
            },
          }, t('boards.session.agenda.remove')) : null)))
          : h('p', { class: 'muted' }, t('boards.session.agenda.empty')),
        managesAgenda ? agendaForm : null));
  }
  await render();
}
