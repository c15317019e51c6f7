import { z } from 'zod';
import { DecisionId } from './approvals';
import { TOOL_CALL_GRANT_SIZE } from './tool-call-quota';

/**
 * Approvals of tool calls: an MCP tool marked `requiresApproval` waits, durably, for a person before it runs. The
 * request is keyed by the call's own id (task and step), never by the task alone: one task may wait on several calls
 * over its life. The payloads a person sends are parsed here; task workflows use only the types (zod-free).
 */

/** Most characters of a call's arguments shown to the person deciding (the call itself keeps them all). */
export const MAX_TOOL_ARGUMENTS_SHOWN = 2000;

/** Task to run: a call waits for a person. */
export const ToolCallRequest = z.object({
  requestId: z.string().min(1).max(300).describe('The call\'s id: "<taskId>/<stepId>", what a person approves'),
  taskId: z.string().min(1).describe('The task that made the call'),
  server: z.string().min(1).max(100).describe('The MCP server'),
  tool: z.string().min(1).max(200).describe('The tool on that server'),
  arguments: z.string().max(MAX_TOOL_ARGUMENTS_SHOWN).describe("The call's arguments as JSON, cut to the limit shown"),
});
export type ToolCallRequest = z.infer<typeof ToolCallRequest>;

/** A call waiting for a person, as the run's status shows it. */
export type PendingToolCall = ToolCallRequest & { since: string };

/** Payload of `approveToolCall`: let a waiting call run. */
export const ApproveToolCall = z.object({
  requestId: z.string().min(1).describe('The waiting call, as `planwright pending` lists it'),
  by: z.string().max(200).optional().describe('Who approves, for the audit trail and the approver list'),
  groups: z.array(z.string().min(1).max(100)).max(20).optional().describe("The approver's groups"),
  note: z.string().max(2000).optional().describe('Why, for the audit trail'),
  decisionId: DecisionId,
});
export type ApproveToolCall = z.infer<typeof ApproveToolCall>;

/** Payload of `denyToolCall`: the call does not run; the model reads the reason as the tool's result. */
export const DenyToolCall = z.object({
  requestId: z.string().min(1).describe('The waiting call, as `planwright pending` lists it'),
  reason: z.string().min(1).max(2000).describe('Why not; the agent reads it and goes on without the call'),
  by: z.string().max(200).optional().describe('Who denies, for the audit trail and the approver list'),
  groups: z.array(z.string().min(1).max(100)).max(20).optional().describe("The denier's groups"),
  decisionId: DecisionId,
});
export type DenyToolCall = z.infer<typeof DenyToolCall>;

/** Run to task: the answer to its request. */
export type ToolCallDecision =
  | { requestId: string; kind: 'approved'; by: string }
  | { requestId: string; kind: 'denied'; by: string; reason: string };

/** The run's answer to a person's decision: accepted, or refused with the reason. */
export interface ToolCallAnswer {
  accepted: boolean;
  requestId: string;
  reason?: string;
  /** The run had already taken a decision with this id: the first answer again, nothing changed. */
  duplicate?: boolean;
}

/** A task asks its run for a share of the run-wide tool-call limit (./tool-call-quota.ts). */
export const ToolCallQuotaRequest = z.object({
  taskId: z.string().min(1).max(200).describe('Task asking for tool calls'),
  requestId: z.string().min(1).max(200).describe("The task's id for this request; the run's answer carries it"),
  wanted: z.number().int().min(1).max(TOOL_CALL_GRANT_SIZE).describe('Tool calls the task asks for'),
});
export type ToolCallQuotaRequest = z.infer<typeof ToolCallQuotaRequest>;
