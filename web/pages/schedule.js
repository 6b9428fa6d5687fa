// The board's weekly slot and "plan the next weeks" (API.md section 12), on the board page.
// Coordinators set the slot and plan; everyone else reads when the board meets.
import { api, get, post } from '../api.js';
import { h, field, clearErrors, showError } from '../dom.js';
import { t } from '../i18n.js';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

async function current(boardId) {
  try {
    return await get(`/api/boards/${boardId}/schedule`);
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
}

function summary(s) {
  return s
    ? t('schedule.summary', {
      weekday: t(`schedule.weekday.${s.weekday}`), time: s.time, minutes: s.duration_minutes, zone: s.timezone,
    })
    : t('schedule.none');
}

/** The schedule card; `onPlanned(sessions)` after a plan that created sessions. */
export async function scheduleCard(board, { coordinates, onPlanned }) {
  let slot = await current(board.id);
  const line = h('p', { id: 'schedule-summary' }, summary(slot));
  const card = h('section', { class: 'card', 'aria-labelledby': 'schedule-h' },
    h('h2', { id: 'schedule-h' }, t('schedule.title')), line);
  if (!coordinates) return card;

  const weekday = h('select', { id: 'sch-weekday', 'data-field': 'weekday', required: true },
    WEEKDAYS.map((d) => h('option', { value: d }, t(`schedule.weekday.${d}`))));
  const time = h('input', { id: 'sch-time', type: 'time', required: true, 'data-field': 'time' });
  const duration = h('input', {
    id: 'sch-duration', type: 'number', min: 15, max: 480, step: 5, required: true, 'data-field': 'duration_minutes',
  });
  const title = h('input', { id: 'sch-title', type: 'text', maxlength: 200, 'data-field': 'title' });
  const video = h('input', { id: 'sch-video', type: 'url', 'data-field': 'video_url', placeholder: 'https://' });
  const fill = () => {
    weekday.value = slot ? slot.weekday : 'tuesday';
    time.value = slot ? slot.time : '17:30';
    duration.value = slot ? slot.duration_minutes : 90;
    title.value = slot && slot.title ? slot.title : '';
    video.value = slot && slot.video_url ? slot.video_url : '';
  };
  fill();
  const save = h('button', { type: 'submit', id: 'sch-save' }, t('schedule.save'));
  const saved = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, 'aria-label': t('schedule.form') },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row' },
      field(t('schedule.weekday'), weekday),
      field(t('schedule.time'), time, { hint: t('schedule.time.hint', { zone: slot ? slot.timezone : 'Europe/Paris' }) }),
      field(t('schedule.duration'), duration, { hint: t('schedule.duration.hint') })),
    h('div', { class: 'row' },
      field(t('schedule.meeting_title'), title, { hint: t('schedule.meeting_title.hint') }),
      field(t('schedule.video'), video, { hint: t('schedule.video.hint') })),
    h('div', { class: 'actions' }, save), saved);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    saved.textContent = '';
    const minutes = Number(duration.value);
    if (!time.value) { showError(form, { field: 'time', message: t('schedule.time.missing') }); return; }
    if (!Number.isInteger(minutes) || minutes < 15 || minutes > 480) {
      showError(form, { field: 'duration_minutes', message: t('schedule.duration.hint') });
      return;
    }
    const body = { weekday: weekday.value, time: time.value, duration_minutes: minutes };
    if (title.value.trim()) body.title = title.value.trim();
    if (video.value.trim()) body.video_url = video.value.trim();
    save.disabled = true;
    try {
      slot = await api('PUT', `/api/boards/${board.id}/schedule`, body);
      line.textContent = summary(slot);
      saved.textContent = t('schedule.saved');
      planButton.disabled = false;
    } catch (err) {
      showError(form, err);
    } finally {
      save.disabled = false;
    }
  });

  const weeks = h('input', { id: 'plan-weeks', type: 'number', min: 1, max: 26, value: 8, 'data-field': 'weeks' });
  const planButton = h('button', { type: 'submit', id: 'plan-button', disabled: !slot }, t('schedule.plan'));
  const planned = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' });
  const planForm = h('form', { novalidate: true, 'aria-label': t('schedule.plan') },
    h('p', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row' }, field(t('schedule.weeks'), weeks, { hint: t('schedule.weeks.hint') })),
    h('div', { class: 'actions' }, planButton), planned);
  planForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(planForm);
    planned.textContent = '';
    const n = Number(weeks.value);
    if (!Number.isInteger(n) || n < 1 || n > 26) {
      showError(planForm, { field: 'weeks', message: t('schedule.weeks.hint') });
      return;
    }
    planButton.disabled = true;
    try {
      const made = await post(`/api/boards/${board.id}/sessions/plan`, { weeks: n });
      planned.textContent = made.items.length
        ? t('schedule.planned', { count: made.items.length })
        : t('schedule.planned.none');
      if (made.items.length && onPlanned) onPlanned(made.items);
    } catch (err) {
      showError(planForm, err);
    } finally {
      planButton.disabled = false;
    }
  });
  card.append(form, h('h3', {}, t('schedule.plan.title')), planForm);
  return card;
}
