import type { RawToolCall, TranscriptItem, TranscriptKey } from '../../domain/agent-loop';

/** Conversations kept per worker; the oldest go first (a task whose conversation is gone rebuilds it from its recap). */
const MAX_TRANSCRIPTS = 256;

export interface Transcript {
  /** The agent type and task of the conversation, for the model's settings and request headers. */
  agentType: string;
  taskId: string;
  /** The tools the agent type may use (config `customAgents[].tools`); absent: all the policy offers. */
  tools?: readonly string[];
  items: TranscriptItem[];
  /** The calls of the last turn, run one by one by runToolStep. */
  pendingCalls: RawToolCall[];
  /** Steps of the round taken before this conversation was opened (its recap after a move); 0 for a new round. */
  stepsBefore: number;
}

/**
 * The conversations of the tasks this worker holds, in memory. They never go into history (each turn would carry the
 * whole conversation, growing with the square of the steps) nor to the user's remote. A worker that restarts loses
 * them; its task queue goes with it, so the workflow moves the task and rebuilds the conversation from its recap.
 */
export class TranscriptCache {
  private readonly entries = new Map<string, Transcript>();

  get(key: TranscriptKey): Transcript | undefined {
    const id = keyOf(key);
    const entry = this.entries.get(id);
    if (entry) {
      // Most recently used last, so eviction takes the oldest.
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry;
  }

  set(key: TranscriptKey, transcript: Transcript): void {
    this.entries.delete(keyOf(key));
    this.entries.set(keyOf(key), transcript);
    while (this.entries.size > MAX_TRANSCRIPTS) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops every round of a task (it ended or moved away). */
  forget(taskWorkflowId: string): void {
    for (const id of [...this.entries.keys()]) if (id.startsWith(`${taskWorkflowId}#`)) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}

const keyOf = (key: TranscriptKey) => `${key.taskWorkflowId}#${key.round}`;
