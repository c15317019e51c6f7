// What waits for a person, with the buttons to decide. The name recorded is the session's (the server adds it);
// the answer shown is the run's own: accepted, or refused with its reason.
import { postDecision } from './api.js';
import { credits, h, time } from './dom.js';

/** How long an answered card stays after its request stopped waiting. */
const ANSWER_SHOWN_MS = 15_000;

/** One card per waiting request; a card someone is filling in outlives the request, so its answer can be shown. */
export class ApprovalsView {
  constructor(runId, whoName) {
    this.runId = runId;
    this.whoName = whoName;
    this.cards = new Map();
    this.list = h('div', { class: 'approval-list' });
    this.root = h(
      'section',
      { class: 'approvals', 'aria-label': 'Waiting for a person', hidden: true },
      h('h2', {}, 'Waiting for a person'),
      this.list,
    );
  }

  /** `titles`: task id → title, for the cards' headings. */
  update(view, titles) {
    const current = new Map();
    for (const p of view.pendingApprovals ?? [])
      current.set(`budget:${p.taskId}:${p.requestId ?? p.since}`, () =>
        budgetCard(this.runId, p, titles.get(p.taskId), this.whoName),
      );
    for (const c of view.pendingToolCalls ?? [])
      current.set(`tool:${c.requestId}`, () => toolCallCard(this.runId, c, this.whoName));
    for (const f of view.holding?.failed ?? [])
      current.set(`hold:${f.taskId}:${view.holding.since}`, () =>
        heldTaskCard(this.runId, f, view.holding, titles.get(f.taskId), this.whoName),
      );
    for (const [key, card] of this.cards) {
      if (current.has(key)) continue;
      // An answered card stays a little, so its answer can be read, then goes.
      const answeredAt = Number(card.dataset.answeredAt ?? Infinity);
      if (card.dataset.busy && Date.now() - answeredAt < ANSWER_SHOWN_MS) {
        card.classList.add('stale');
        card.querySelector('.stale-note')?.removeAttribute('hidden');
      } else {
        card.remove();
        this.cards.delete(key);
      }
    }
    for (const [key, make] of current) {
      if (this.cards.has(key)) continue;
      const card = make();
      this.cards.set(key, card);
      this.list.append(card);
    }
    this.root.hidden = this.cards.size === 0;
  }
}

/** A card for a task short of credits: approve an amount (with a note) or deny (with a reason). */
export function budgetCard(runId, pending, title, whoName) {
  // The server's suggestion (one domain function for this page, `pending` and `approve`), else the shortfall.
  const suggested = pending.suggestion?.credits ?? Math.max(1, Math.ceil(pending.shortfallMillicredits / 1000));
  const basis = pending.suggestion?.basis ?? 'the shortfall of its next call';
  return card({
    runId,
    whoName,
    taskId: pending.taskId,
    heading: title ? `${pending.taskId} · ${title}` : pending.taskId,
    text: `needs ${credits(pending.shortfallMillicredits)} more credits for its next model call · waiting since ${time(pending.since)}`,
    approve: {
      kind: 'approve-budget',
      fields: [
        h(
          'label',
          {},
          'Credits ',
          h('input', { name: 'credits', type: 'number', min: '0.001', step: 'any', value: suggested, required: true }),
        ),
        h('p', { class: 'suggestion-basis' }, `Suggested ${suggested}: ${basis}.`),
        h('label', {}, 'Note ', h('input', { name: 'note', maxlength: 2000, placeholder: 'why (optional)' })),
      ],
      body: (form) => ({
        taskId: pending.taskId,
        credits: Number(form.credits.value),
        ...(form.note.value ? { note: form.note.value } : {}),
      }),
      label: 'Approve',
    },
    deny: { kind: 'deny-budget', body: (form) => ({ taskId: pending.taskId, reason: form.reason.value }) },
  });
}

/** A card for a gated tool call: let it run (with a note) or refuse it (the agent reads the reason). */
export function toolCallCard(runId, call, whoName) {
  return card({
    runId,
    whoName,
    taskId: call.taskId,
    heading: `${call.taskId} wants to call ${call.server}.${call.tool}`,
    text: `arguments ${call.arguments} · waiting since ${time(call.since)}`,
    approve: {
      kind: 'approve-tool-call',
      fields: [h('label', {}, 'Note ', h('input', { name: 'note', maxlength: 2000, placeholder: 'why (optional)' }))],
      body: (form) => ({ requestId: call.requestId, ...(form.note.value ? { note: form.note.value } : {}) }),
      label: 'Let it run',
    },
    deny: { kind: 'deny-tool-call', body: (form) => ({ requestId: call.requestId, reason: form.reason.value }) },
  });
}

/** A card for a failed task the run holds for: retry it (with feedback and credits) or finish the run. */
export function heldTaskCard(runId, failed, hold, title, whoName) {
  const attempt = failed.attempt > 1 ? ` (attempt ${failed.attempt})` : '';
  return card({
    runId,
    whoName,
    taskId: failed.taskId,
    heading: `${title ? `${failed.taskId} · ${title}` : failed.taskId} failed${attempt}`,
    text: `${failed.error} · the run holds since ${time(hold.since)}, and finishes with what it has at ${time(hold.until)}`,
    approve: {
      kind: 'retry-tasks',
      fields: [
        h(
          'label',
          {},
          'Feedback ',
          h('input', { name: 'feedback', maxlength: 4000, placeholder: "for the next round, beside the reviewer's" }),
        ),
        h('label', {}, 'Credits ', h('input', { name: 'credits', type: 'number', min: '0.001', step: 'any' })),
      ],
      body: (form) => ({
        taskId: failed.taskId,
        ...(form.feedback.value ? { feedback: form.feedback.value } : {}),
        ...(form.credits.value ? { credits: Number(form.credits.value) } : {}),
      }),
      label: 'Retry',
    },
    deny: {
      kind: 'finish-run',
      label: 'Finish',
      reasonRequired: false,
      placeholder: 'why finish the run with what it has (optional)',
      body: (form) => (form.reason.value ? { reason: form.reason.value } : {}),
    },
  });
}

function card({ runId, whoName, taskId, heading, text, approve, deny }) {
  const denyLabel = deny.label ?? 'Deny';
  const outcome = h('p', { class: 'outcome', hidden: true });
  const approveForm = h(
    'form',
    { class: 'approve-form', hidden: true },
    approve.fields,
    h('button', { type: 'submit', class: 'primary' }, approve.label),
    h('button', { type: 'button', class: 'cancel' }, 'Cancel'),
  );
  const denyForm = h(
    'form',
    { class: 'deny-form', hidden: true },
    h(
      'label',
      {},
      'Reason ',
      h('input', {
        name: 'reason',
        required: deny.reasonRequired ?? true,
        maxlength: 2000,
        placeholder: deny.placeholder ?? 'why not (required)',
      }),
    ),
    h('button', { type: 'submit', class: 'danger' }, denyLabel),
    h('button', { type: 'button', class: 'cancel' }, 'Cancel'),
  );
  const actions = h(
    'div',
    { class: 'actions' },
    h('button', { type: 'button', class: 'open-approve' }, `${approve.label}…`),
    h('button', { type: 'button', class: 'open-deny' }, `${denyLabel}…`),
    whoName ? h('span', { class: 'muted' }, ` as ${whoName}`) : null,
  );
  const root = h(
    'article',
    { class: 'approval', 'data-task-id': taskId },
    h('h3', {}, heading),
    h('p', {}, text),
    h(
      'p',
      { class: 'stale-note note', hidden: true },
      'No longer listed as waiting: it may have been answered (the run will say).',
    ),
    actions,
    approveForm,
    denyForm,
    outcome,
  );
  const open = (form) => {
    root.dataset.busy = 'open';
    actions.hidden = true;
    form.hidden = false;
    form.querySelector('input')?.focus();
  };
  root.querySelector('.open-approve').addEventListener('click', () => open(approveForm));
  root.querySelector('.open-deny').addEventListener('click', () => open(denyForm));
  for (const form of [approveForm, denyForm]) {
    form.querySelector('.cancel').addEventListener('click', () => {
      form.hidden = true;
      actions.hidden = false;
      delete root.dataset.busy;
    });
  }
  const submit = (form, decision) => async (event) => {
    event.preventDefault();
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    try {
      const answer = await postDecision(runId, decision.kind, decision.body(form));
      show(outcome, answer.message, 'accepted');
      form.hidden = true;
      root.dataset.busy = 'answered';
      root.dataset.answeredAt = String(Date.now());
    } catch (err) {
      show(outcome, err.message, 'refused');
      for (const b of form.querySelectorAll('button')) b.disabled = false;
    }
  };
  approveForm.addEventListener('submit', submit(approveForm, approve));
  denyForm.addEventListener('submit', submit(denyForm, deny));
  return root;
}

function show(outcome, message, kind) {
  outcome.hidden = false;
  outcome.className = `outcome ${kind}`;
  outcome.setAttribute('role', kind === 'refused' ? 'alert' : 'status');
  outcome.textContent = message;
}
