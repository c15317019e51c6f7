import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { ImplementerOutput, ReviewVerdict } from '../../domain/agent-outputs';
import { MODEL_CALL_OPTIONS } from '../activity-options';
import type { CreditAccount } from './credit-account';
import type { RoundContext, TaskKind } from './task-kind';
import type { TaskWorkflowInput } from './task-workflow';

const { implementTask, reviewTask } = proxyActivities<Activities>(MODEL_CALL_OPTIONS);

/** A task whose agent answers in text: one metered model call to implement, one per reviewer seat. */
export class TextTask implements TaskKind {
  constructor(
    private readonly input: TaskWorkflowInput,
    private readonly credits: CreditAccount,
  ) {}

  implement({ round, feedback, modelOverride }: RoundContext): Promise<ImplementerOutput> {
    const { goal, task, dependencies } = this.input;
    return this.credits.metered((available) =>
      implementTask.executeWithOptions({ ...MODEL_CALL_OPTIONS, summary: `implement ${task.id} · round ${round}` }, [
        {
          goal,
          task,
          dependencies,
          ...constraintsOf(this.input),
          round,
          ...(feedback ? { feedback } : {}),
          availableMillicredits: available,
          ...(modelOverride ? { modelOverride } : {}),
        },
      ]),
    );
  }

  review(output: ImplementerOutput, round: number, seat: number, seats: number): Promise<ReviewVerdict> {
    const { task } = this.input;
    return this.credits.metered((available) =>
      reviewTask.executeWithOptions(
        {
          ...MODEL_CALL_OPTIONS,
          summary: `review ${task.id} · round ${round}${seats > 1 ? ` · seat ${seat + 1}` : ''}`,
        },
        [{ task, output, round, panelSeat: seat, availableMillicredits: available, ...constraintsOf(this.input) }],
      ),
    );
  }
}

/** The run's constraints, for the implementer and the reviewer (tasks started before they got them have none). */
export const constraintsOf = (input: TaskWorkflowInput): { constraints?: string[] } =>
  input.constraints?.length ? { constraints: input.constraints } : {};
