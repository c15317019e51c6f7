// One task, beside the graph: its rounds with the reviewers' verdicts and feedback, its model calls with tokens and
// credits, its tool steps and verify results, its diff or output, and a link to its workflow in the Temporal Web UI.
import { getJson } from './api.js';
import { budgetCard } from './approvals.js';
import { badge, credits, fill, h, navLink, taskPath, time } from './dom.js';

/** A live task is read again at most this often while its run changes. */
const REFRESH_MS = 2000;

export class TaskPanel {
  constructor(runId, { onClose, whoName }) {
    this.runId = runId;
    this.whoName = whoName;
    this.body = h('div', { class: 'panel-body' });
    this.root = h(
      'aside',
      { class: 'task-panel', 'aria-label': 'Task', hidden: true },
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close the task', onclick: onClose }, '×'),
      this.body,
    );
    this.lastRead = 0;
  }

  /** Shows `taskId` of the run (`run`: the page's details), reading its details. */
  open(taskId, run) {
    this.taskId = taskId;
    this.root.hidden = false;
    this.root.dataset.taskId = taskId;
    fill(this.body, h('h2', {}, taskId), h('p', { class: 'muted' }, 'Loading…'));
    void this.read(run);
  }

  close() {
    this.taskId = undefined;
    this.root.hidden = true;
  }

  /** The run changed: read the task again when it may have changed too. */
  refresh(run, changed) {
    if (!this.taskId || !this.shown) return;
    const live = this.shown.details.live || changed?.[this.taskId] !== undefined;
    if (live && Date.now() - this.lastRead >= REFRESH_MS) void this.read(run);
  }

  async read(run) {
    const taskId = this.taskId;
    this.lastRead = Date.now();
    try {
      const answer = await getJson(`/api/runs/${encodeURIComponent(this.runId)}/tasks/${encodeURIComponent(taskId)}`);
      if (taskId !== this.taskId) return;
      this.shown = answer;
      fill(this.body, ...this.render(answer, run));
    } catch (err) {
      if (taskId === this.taskId)
        fill(this.body, h('h2', {}, taskId), h('div', { class: 'problem', role: 'alert' }, err.message));
    }
  }

  /** The approval card of a waiting request, the same element across re-reads: a half-filled form survives them. */
  cardFor(pending, title) {
    const key = `${this.taskId}:${pending.requestId ?? pending.since}`;
    if (this.card?.key !== key) this.card = { key, el: budgetCard(this.runId, pending, title, this.whoName) };
    return this.card.el;
  }

  render({ details: d, task }, run) {
    const node = run?.graph.find((n) => n.id === d.taskId);
    const status = node?.status ?? task?.status;
    const pending = run?.view.pendingApprovals.find((p) => p.taskId === d.taskId);
    return [
      h('h2', {}, d.taskId, ' ', status ? badge(status) : null),
      node ? h('p', { class: 'title' }, node.title) : null,
      h(
        'p',
        {},
        h(
          'a',
          { href: d.webUiUrl, target: '_blank', rel: 'noopener noreferrer', class: 'web-ui-link' },
          'Open its workflow in the Temporal Web UI ↗',
        ),
      ),
      facts(d, node, task),
      pending ? this.cardFor(pending, node?.title) : null,
      !d.started ? h('p', { class: 'muted' }, 'This task has no workflow yet: it is pending, or was skipped.') : null,
      d.progress ? progress(d.progress) : null,
      section('Rounds', d.rounds.length ? d.rounds.map(round) : h('p', { class: 'muted' }, 'No round yet.'), 'rounds'),
      section('Model calls', modelCalls(d.modelCalls), 'model-calls'),
      d.diff !== undefined ? section('Diff', h('pre', { class: 'diff' }, diffLines(d.diff)), 'diff') : null,
      d.diffError ? h('p', { class: 'note' }, `No diff: ${d.diffError}`) : null,
      d.output !== undefined ? section('Output', h('pre', { class: 'output' }, d.output), 'output') : null,
    ];
  }
}

function facts(d, node, task) {
  const rows = [
    ['agent', node?.agentType],
    ['effort', node?.effort],
    [
      'depends on',
      node?.deps.length ? node.deps.flatMap((id, i) => [i ? ', ' : '', navLink(taskPath(d.runId, id), id)]) : 'nothing',
    ],
    [
      'credits',
      task
        ? `${credits(task.spentMillicredits)} spent of ${credits(task.allocatedMillicredits + task.grantedMillicredits)}`
        : undefined,
    ],
    ['rounds', task?.reviewRounds],
    ['model calls', task?.modelCalls],
    ['started', task?.startedAt ? time(task.startedAt) : undefined],
    ['ended', task?.finishedAt ? time(task.finishedAt) : undefined],
    ['error', task?.error],
  ].filter(([, v]) => v !== undefined && v !== null);
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

function progress(p) {
  const steps = p.steps !== undefined ? ` · ${p.steps} tool steps${p.lastStep ? ` (last: ${p.lastStep})` : ''}` : '';
  return h(
    'p',
    { class: 'progress' },
    `Now ${p.phase.replace(/_/g, ' ')}, round ${p.round}: ${credits(p.spentMillicredits)} of ${credits(p.availableMillicredits)} credits spent, ${p.modelCalls} model calls${steps}`,
  );
}

const section = (title, content, cls) => h('section', { class: cls }, h('h3', {}, title), content);

function round(r) {
  return h(
    'div',
    { class: 'round', 'data-round': r.round },
    h('h4', {}, `Round ${r.round}`),
    r.verdicts.map((v) =>
      h(
        'div',
        { class: `verdict ${v.verdict.toLowerCase()}` },
        h('strong', {}, v.verdict),
        r.verdicts.length > 1 ? ` (reviewer ${v.seat + 1})` : '',
        v.feedback ? h('p', {}, v.feedback) : null,
      ),
    ),
    r.steps.length
      ? h(
          'ol',
          { class: 'steps' },
          r.steps.map((s) =>
            h(
              'li',
              { class: s.ok === false ? 'failed' : '' },
              s.summary,
              s.commit ? h('code', {}, ` ${s.commit.slice(0, 10)}`) : '',
            ),
          ),
        )
      : null,
    r.verify.map(verifyResult),
  );
}

/** Lines of a failed check's output shown first: test runners print their failures and summary at the end. */
const FAILURE_TAIL_LINES = 30;

/**
 * One check of a round. A failure is a FAIL badge, like a reviewer's, with the end of the output open beneath it (a
 * runner's dots of progress come first and bury the failing test); the earlier output stays one click away.
 */
function verifyResult(v) {
  if (v.passed) {
    return h(
      'details',
      { class: 'verify passed' },
      h('summary', {}, `verify ${v.command}: passed`),
      h('pre', {}, v.outputTail),
    );
  }
  const lines = v.outputTail.replace(/\n$/, '').split('\n');
  const earlier = lines.slice(0, -FAILURE_TAIL_LINES);
  return h(
    'div',
    { class: 'verify failed' },
    h(
      'div',
      { class: 'verdict fail' },
      h('strong', {}, 'FAIL'),
      ` verify ${v.command}: ${v.exitCode === null ? 'stopped' : `exit ${v.exitCode}`}`,
    ),
    h('pre', { class: 'verify-tail' }, lines.slice(-FAILURE_TAIL_LINES).join('\n')),
    earlier.length
      ? h('details', {}, h('summary', {}, `earlier output (${earlier.length} lines)`), h('pre', {}, earlier.join('\n')))
      : null,
  );
}

function modelCalls(calls) {
  if (calls.length === 0) return h('p', { class: 'muted' }, 'No model call yet.');
  const total = calls.reduce((s, c) => s + c.spentMillicredits, 0);
  return h(
    'table',
    { class: 'list compact' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['call', 'round', 'model', 'tokens in', 'tokens out', 'credits', 'at'].map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      calls.map((c) =>
        h(
          'tr',
          {},
          [
            c.activity,
            c.round ?? '–',
            c.model ?? '–',
            c.inputTokens,
            c.outputTokens,
            credits(c.spentMillicredits),
            time(c.at),
          ].map((v) => h('td', {}, v)),
        ),
      ),
    ),
    h('tfoot', {}, h('tr', {}, h('td', { colspan: 5 }, 'total'), h('td', {}, credits(total)), h('td', {}))),
  );
}

function diffLines(diff) {
  return diff.split('\n').map((line) => {
    const cls =
      line.startsWith('+') && !line.startsWith('+++')
        ? 'add'
        : line.startsWith('-') && !line.startsWith('---')
          ? 'del'
          : line.startsWith('@@')
            ? 'hunk'
            : '';
    return h('span', { class: cls }, `${line}\n`);
  });
}
