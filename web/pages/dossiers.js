// The referrer's pages: my dossiers, a new dossier, one dossier with its attachments.
import { get, post, api, upload, session } from '../api.js';
import { h, replace, badge, fmtTime, fmtBytes, field, clearErrors, showError } from '../dom.js';
import { attachmentTable } from '../attachments.js';
import { boardsWithRoles, may } from '../context.js';
import { decisionPanel } from '../decision.js';
import { createViewer } from '../viewer/viewer.js';
import { t, currentLang } from '../i18n.js';

function dossierTable(items, boardsById, caption) {
  if (!items.length) return h('p', { class: 'muted' }, 'None yet.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'dossier-table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {},
      ['Reference', 'Title', 'Board', 'Status', 'Urgency', 'Submitted', 'Decision'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, items.map((d) => h('tr', { 'data-dossier-id': d.id },
      h('td', {}, h('a', { href: `#/dossiers/${d.id}` }, d.reference)),
      h('td', {}, d.title),
      h('td', {}, boardsById.get(d.board_id) || '—'),
      h('td', { class: 'dossier-status' }, badge(d.status)),
      h('td', {}, d.urgency),
      h('td', {}, fmtTime(d.submitted_at)),
      h('td', {}, d.decision ? (d.decision.outcome || badge(d.decision.status)) : '—'))))));
}

export async function dossierListPage(main) {
  const me = session.user;
  const [{ items }, boards] = await Promise.all([get('/api/dossiers'), boardsWithRoles()]);
  const boardsById = new Map(boards.map((b) => [b.id, b.name]));
  const mine = items.filter((d) => d.referrer.id === me.id);
  const others = items.filter((d) => d.referrer.id !== me.id);
  const newButton = h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/dossiers/new' }, 'New dossier'));
  if (!mine.length && others.length) {
    // A board member who refers nothing: the board's dossiers come first.
    replace(main,
      h('h1', {}, 'Dossiers of my boards'),
      dossierTable(others, boardsById, 'Dossiers of my boards'),
      h('h2', {}, 'Referred by me'), newButton, h('p', { class: 'muted' }, 'None yet.'));
    return;
  }
  replace(main,
    h('h1', {}, 'My dossiers'),
    newButton,
    dossierTable(mine, boardsById, 'Dossiers I referred'),
    others.length ? [h('h2', {}, 'Dossiers of my boards'), dossierTable(others, boardsById, 'Dossiers of my boards')] : null);
}

function select(id, name, options, dataField, value) {
  return h('select', { id, name, 'data-field': dataField },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

export async function newDossierPage(main) {
  const boards = await boardsWithRoles();
  const board = select('d-board', 'board_id', [['', 'Choose a board…'], ...boards.map((b) => [b.id, b.name])], 'board_id', '');
  const title = h('input', { id: 'd-title', type: 'text', name: 'title', maxlength: 200, required: true, 'data-field': 'title' });
  const pseudonym = h('input', { id: 'd-pseudonym', type: 'text', name: 'pseudonym', maxlength: 64, required: true, 'data-field': 'patient.pseudonym', autocomplete: 'off' });
  const birthYear = h('input', { id: 'd-birth-year', type: 'number', name: 'birth_year', inputmode: 'numeric', 'data-field': 'patient.birth_year' });
  const sex = select('d-sex', 'sex', [['', 'Not given'], ['female', 'Female'], ['male', 'Male'], ['other', 'Other'], ['unknown', 'Unknown']], 'patient.sex', '');
  const urgency = select('d-urgency', 'urgency', [['routine', 'Routine'], ['priority', 'Priority']], 'urgency', 'routine');
  const question = h('textarea', { id: 'd-question', name: 'question', required: true, 'data-field': 'question' });
  const history = h('textarea', { id: 'd-history', name: 'history', 'data-field': 'history' });
  const consent = h('input', { id: 'd-consent', type: 'checkbox', name: 'consent', 'data-field': 'consent' });
  const button = h('button', { type: 'submit' }, 'Create draft');
  const form = h('form', { class: 'card', novalidate: true, id: 'new-dossier-form' },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    field('Board', board, { hint: 'The expert board you refer the case to.' }),
    field('Title', title, { hint: 'A short description of the case, without the patient’s name.' }),
    h('fieldset', {}, h('legend', {}, 'Patient (pseudonymised)'),
      h('div', { class: 'row' },
        field('Pseudonym', pseudonym, { hint: 'Never the patient’s name.' }),
        field('Birth year', birthYear),
        field('Sex', sex))),
    field('Urgency', urgency),
    field('Clinical question', question),
    field('History', history),
    field('The patient has consented to this referral', consent, { inline: true }),
    h('div', { class: 'actions' }, button, h('a', { class: 'button secondary', href: '#/dossiers' }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!board.value) { showError(form, { field: 'board_id', message: 'Choose the board to refer to.' }); return; }
    const year = birthYear.value.trim();
    if (year && !/^\d{4}$/.test(year)) { showError(form, { field: 'patient.birth_year', message: 'patient.birth_year: must be a four-digit year' }); return; }
    const body = {
      board_id: board.value,
      title: title.value,
      patient: { pseudonym: pseudonym.value },
      question: question.value,
      history: history.value,
      urgency: urgency.value,
      consent: consent.checked,
    };
    if (year) body.patient.birth_year = Number(year);
    if (sex.value) body.patient.sex = sex.value;
    button.disabled = true;
    try {
      const created = await post('/api/dossiers', body);
      location.hash = `#/dossiers/${created.id}`;
    } catch (err) {
      showError(form, err);
      button.disabled = false;
    }
  });
  replace(main, h('h1', {}, 'New dossier'), form);
}

function uploadForm(dossier, onUploaded) {
  const file = h('input', { id: 'u-file', type: 'file', name: 'file', required: true, 'data-field': 'file' });
  const kind = select('u-kind', 'kind', [['', 'Automatic (imaging for DICOM)'], ['imaging', 'Imaging'], ['note', 'Note'], ['report', 'Report'], ['other', 'Other']], 'kind', '');
  const progress = h('progress', { id: 'u-progress', max: 100, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const progressText = h('div', { class: 'muted', id: 'u-progress-text' });
  const result = h('div', { class: 'upload-status', role: 'status', 'aria-live': 'polite', id: 'upload-result' });
  const button = h('button', { type: 'submit' }, 'Upload');
  const form = h('form', { class: 'card', novalidate: true, 'aria-label': 'Upload an attachment' },
    h('h3', {}, 'Add an attachment'),
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row' }, field('File', file, { hint: 'DICOM files or zips are de-identified on upload.' }), field('Kind', kind)),
    h('div', { class: 'actions' }, button),
    progress, progressText, result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    result.textContent = '';
    const chosen = file.files && file.files[0];
    if (!chosen) { showError(form, { field: 'file', message: 'Choose a file to upload.' }); return; }
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    try {
      const att = await upload(dossier.id, chosen, kind.value, (loaded, total) => {
        const pct = total ? Math.floor((loaded / total) * 100) : 0;
        progress.value = pct;
        progressText.textContent = `${pct} % — ${fmtBytes(loaded)} of ${fmtBytes(total)}`;
      });
      progress.value = 100;
      progressText.textContent = `Uploaded ${fmtBytes(att.size)}.`;
      replace(result, h('span', { class: 'ok' }, `${att.filename} uploaded. `), 'SHA-256: ',
        h('span', { class: 'mono', id: 'uploaded-sha256' }, att.sha256));
      file.value = '';
      onUploaded(att);
    } catch (err) {
      progress.hidden = true;
      progressText.textContent = '';
      showError(form, err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function dossierPage(main, id) {
  let dossier = await get(`/api/dossiers/${id}`);
  const boards = await boardsWithRoles();
  const board = boards.find((b) => b.id === dossier.board_id);
  let poll = null;
  const live = h('div', { role: 'status', 'aria-live': 'polite', class: 'visually-hidden', id: 'dossier-live' });

  // Built once, so that its progress bar and result stay across re-renders.
  let uploader = null;

  // The image viewer over the dossier's DICOM attachments, opened by a "Voir" button; it too
  // stays across re-renders, and closes when one of its attachments is gone.
  let imaging = null; // { viewer, section, ids }
  function closeViewer() {
    if (!imaging) return;
    imaging.viewer.destroy();
    imaging.section.remove();
    imaging = null;
  }
  function openViewer(attachment) {
    if (!imaging) {
      const dicom = dossier.attachments.filter((a) => a.dicom);
      const viewer = createViewer({ attachments: dicom });
      const close = h('button', { type: 'button', class: 'secondary', id: 'close-viewer', onclick: () => closeViewer() }, t('viewer.close'));
      const section = h('section', { class: 'card', lang: currentLang(), 'aria-labelledby': 'viewer-h', id: 'viewer-section' },
        h('div', { class: 'viewer-head' }, h('h2', { id: 'viewer-h' }, t('viewer.title')), close), viewer.el);
      imaging = { viewer, section, ids: new Set(dicom.map((a) => a.id)) };
      render();
    }
    const { viewer, section } = imaging;
    section.scrollIntoView({ block: 'start' });
    viewer.ready.then(() => viewer.openAttachment(attachment.id));
  }

  // What the buttons offer is what the server says this user may do (`dossier.can`).
  function render() {
    const actions = h('form', { class: 'actions', novalidate: true, 'aria-label': 'Dossier actions' },
      h('p', { class: 'form-error', role: 'alert', hidden: true }));
    if (may(dossier, 'edit') && !dossier.consent) {
      const consent = h('input', { id: 'dp-consent', type: 'checkbox', 'data-field': 'consent' });
      consent.addEventListener('change', async () => {
        clearErrors(actions);
        try { dossier = await api('PATCH', `/api/dossiers/${dossier.id}`, { consent: consent.checked }); render(); } catch (err) { showError(actions, err); }
      });
      actions.append(field('The patient has consented to this referral', consent, { inline: true }));
    }
    if (may(dossier, 'submit')) {
      actions.append(h('button', {
        type: 'button', id: 'submit-dossier',
        onclick: async (e) => {
          clearErrors(actions);
          e.target.disabled = true;
          try { dossier = await post(`/api/dossiers/${dossier.id}/submit`); render(); live.textContent = 'Dossier submitted to the board.'; } catch (err) { e.target.disabled = false; showError(actions, err); }
        },
      }, 'Submit to the board'));
    }
    if (may(dossier, 'withdraw')) {
      actions.append(h('button', {
        type: 'button', class: 'secondary',
        onclick: async () => {
          clearErrors(actions);
          if (!window.confirm('Withdraw this dossier? The board will no longer review it.')) return;
          try { dossier = await post(`/api/dossiers/${dossier.id}/withdraw`); render(); } catch (err) { showError(actions, err); }
        },
      }, 'Withdraw'));
    }
    const p = dossier.patient;
    if (imaging && [...imaging.ids].some((aid) => !dossier.attachments.some((a) => a.id === aid))) closeViewer();
    const canUpload = may(dossier, 'upload');
    if (canUpload && !uploader) {
      uploader = uploadForm(dossier, async () => {
        dossier = await get(`/api/dossiers/${dossier.id}`);
        render();
      });
    }
    replace(main,
      h('h1', {}, `${dossier.reference} — ${dossier.title}`),
      live,
      h('p', {}, 'Status: ', h('span', { id: 'dossier-status' }, badge(dossier.status)),
        ` · Board: ${board ? board.name : '—'} · Referred by ${dossier.referrer.name}${dossier.referrer.organization ? ` (${dossier.referrer.organization})` : ''}`),
      actions,
      dossier.decision ? decisionPanel(dossier.decision, { headingLevel: 'h2', title: 'Decision of the board' }) : null,
      h('section', { class: 'card', 'aria-labelledby': 'case-h' },
        h('h2', { id: 'case-h' }, 'Case'),
        h('dl', { class: 'facts' },
          h('dt', {}, 'Patient'), h('dd', {}, `${p.pseudonym}${p.birth_year ? `, born ${p.birth_year}` : ''}${p.sex ? `, ${p.sex}` : ''}`),
          h('dt', {}, 'Urgency'), h('dd', {}, dossier.urgency),
          h('dt', {}, 'Consent'), h('dd', {}, dossier.consent ? 'recorded' : 'not recorded'),
          h('dt', {}, 'Question'), h('dd', { class: 'prewrap' }, dossier.question || '—'),
          h('dt', {}, 'History'), h('dd', { class: 'prewrap' }, dossier.history || '—'),
          h('dt', {}, 'Created'), h('dd', {}, fmtTime(dossier.created_at)),
          h('dt', {}, 'Submitted'), h('dd', {}, fmtTime(dossier.submitted_at)))),
      h('section', { class: 'card', 'aria-labelledby': 'att-h' },
        h('h2', { id: 'att-h' }, 'Attachments'),
        attachmentTable(dossier.attachments, {
          onView: openViewer,
          onDelete: may(dossier, 'delete_attachments') ? async (a, status) => {
            try { await api('DELETE', `/api/attachments/${a.id}`); dossier = await get(`/api/dossiers/${dossier.id}`); render(); } catch (err) { status.textContent = err.message; }
          } : null,
        }),
        canUpload ? uploader : null),
      imaging ? imaging.section : null);
  }
  render();
  // The decision arrives while the page is open: look again now and then until it is decided.
  poll = setInterval(async () => {
    if (['decided', 'withdrawn', 'draft'].includes(dossier.status)) return;
    try {
      const fresh = await get(`/api/dossiers/${id}`);
      if (fresh.status !== dossier.status || (fresh.decision && fresh.decision.id) !== (dossier.decision && dossier.decision.id)) {
        dossier = fresh;
        render();
        live.textContent = `The dossier is now ${fresh.status}.`;
      }
    } catch { /* shown on the next navigation */ }
  }, 5000);
  return () => { clearInterval(poll); closeViewer(); };
}

