// The run's health table (RunView.metrics), as `planwright status` prints it.
import { credits, duration, h } from './dom.js';

export function healthTable(m) {
  if (!m || m.ended === 0) return h('p', { class: 'muted' }, 'No task has ended yet.');
  const pace =
    m.tasksPerHour !== undefined
      ? `; ${m.tasksPerHour >= 10 ? Math.round(m.tasksPerHour) : m.tasksPerHour} tasks/hour`
      : '';
  return h(
    'div',
    {},
    h('p', {}, `Tasks: ${m.ended} ended (${m.succeeded} succeeded, ${m.failed} failed), ${m.skipped} skipped${pace}`),
    h(
      'p',
      {},
      `Per task: ${m.meanReviewRounds} rounds, ${m.meanModelCalls} model calls, ` +
        `${credits(m.meanSpentMillicredits)} credits (most ${credits(m.maxSpentMillicredits)})`,
    ),
    h(
      'table',
      { class: 'list compact' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['agent', 'ended', 'succeeded', 'mean time', 'longest', 'credits/task', 'rounds/task', 'calls/task'].map(
            (c) => h('th', {}, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        m.byAgentType.map((a) =>
          h(
            'tr',
            {},
            [
              a.agentType,
              a.ended,
              a.succeeded,
              duration(a.meanDurationMs),
              duration(a.maxDurationMs),
              credits(a.meanSpentMillicredits),
              a.meanReviewRounds,
              a.meanModelCalls,
            ].map((v) => h('td', {}, v)),
          ),
        ),
      ),
    ),
  );
}
