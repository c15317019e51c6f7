import { z } from 'zod';
import { AgentSpec } from '../domain/agents';
import type { CallKind } from '../domain/model';
import { MAX_STREAM_SILENCE_MS } from '../domain/model-families';
import { ModelPrice, type PriceTable } from '../domain/prices';
import { WorkspacePolicy } from '../domain/workspace-policy-schema';
import { McpServersConfig } from './mcp';

/**
 * The shape of `planwright.config.json` and the settings the worker resolves from it. Loading and validating is in
 * ./load.ts; the CLI, the worker and (later) the dashboard all read configuration through this folder. Every object
 * of the file is strict: a misspelt key is an error, never a silently ignored setting (./unknown-keys.ts words it).
 */

export const AgentModelSettings = z.object({
  model: z.string().min(1).describe('Model name sent to the provider'),
  fallbackModels: z
    .array(z.string().min(1))
    .describe('Models tried in order when the model is not found, its context is too small, or retries run out'),
  temperature: z.number().min(0).max(2).optional().describe('Sampling temperature; unset uses the provider default'),
  maxOutputTokens: z.number().int().positive().describe('Output token cap per call; also the worst case reserved'),
  api: z
    .enum(['chat', 'responses'])
    .describe('chat: Chat Completions, which every OpenAI-compatible server speaks; responses: the Responses API'),
  stream: z.boolean().describe('Stream responses; the chunks of a long generation keep its activity heartbeating'),
  strictSchema: z.boolean().describe('Ask for strict JSON-schema output; turn off for servers that reject it'),
  streamFirstTokenTimeoutMs: z
    .number()
    .int()
    .positive()
    .max(MAX_STREAM_SILENCE_MS)
    .optional()
    .describe(
      "Longest a stream may stay silent before the answer's first token, then it is cut and retried; default by model family: 5 min for OpenAI reasoning models, 1 min for OpenAI chat models, 2 min for others",
    ),
  streamIdleTimeoutMs: z
    .number()
    .int()
    .positive()
    .max(MAX_STREAM_SILENCE_MS)
    .optional()
    .describe(
      "Longest a stream may stay silent once the answer's tokens flow, then it is cut and retried; default: 1 min",
    ),
});
export type AgentModelSettings = z.infer<typeof AgentModelSettings>;

export const ProviderSettings = z.object({
  baseURL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:11434/v1' })
    .optional()
    .describe('OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama'),
  apiKeyEnv: z.string().describe('Environment variable holding the API key'),
  organization: z.string().optional().describe('OpenAI organization id'),
  project: z.string().optional().describe('OpenAI project id'),
  headers: z.record(z.string(), z.string()).describe('Extra headers on every request (e.g. for a gateway)'),
  timeoutMs: z.number().int().positive().describe('Per-request timeout in milliseconds'),
  requestsPerSecond: z
    .number()
    .positive()
    .optional()
    .describe('Most requests one worker starts in any second; unset: no pacing'),
});
export type ProviderSettings = z.infer<typeof ProviderSettings>;

export const WorkspaceConfig = z.strictObject({
  root: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Folder of run repositories, clone caches and checkouts; PLANWRIGHT_WORKSPACE_DIR wins; default /var/lib/planwright as root, else ~/.local/share/planwright',
    ),
  ceiling: WorkspacePolicy.optional().describe(
    'The most this worker allows any run: tools, commands, writable paths, limits; a run gets the intersection',
  ),
  fleet: z
    .boolean()
    .default(false)
    .describe('Workers run on several machines: runs then need a remote repository URL, never a local path'),
  unsandboxedCommands: z
    .boolean()
    .default(false)
    .describe(
      'Run agent commands WITHOUT isolation when bubblewrap cannot work here: they see the worker’s files and network',
    ),
  partialClones: z.boolean().default(false).describe('Clone caches without file contents until a checkout needs them'),
  cloneDepth: z.number().int().min(1).optional().describe('Clone caches with this much history (shallow)'),
  gitIdentity: z
    .strictObject({
      name: z.string().min(1).max(200).describe('Author and committer name'),
      email: z.string().min(3).max(200).describe('Author and committer email'),
    })
    .optional()
    .describe('Who Planwright commits as; default "Planwright <planwright@localhost>"'),
  limits: z
    .strictObject({
      maxStepBytes: z
        .number()
        .int()
        .min(1024)
        .optional()
        .describe(
          "Most bytes of files one agent step may add or change; over it the step's changes are undone (64 MiB)",
        ),
      maxStepFiles: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe("Most files one agent step may add, change or delete; over it the step's changes are undone (5000)"),
      maxTaskBytes: z
        .number()
        .int()
        .min(1024)
        .optional()
        .describe("Most bytes of new file contents one task's commits may hold, over all its steps (256 MiB)"),
      maxCheckoutBytes: z
        .number()
        .int()
        .min(1024 ** 2)
        .optional()
        .describe(
          'Most bytes of files in a checkout, ignored ones included; over it ignored files are removed (8 GiB)',
        ),
    })
    .optional()
    .describe(
      "What one task may leave in its checkout and commit, whatever a run asks (the worker's disk, the user's repository)",
    ),
});
export type WorkspaceConfig = z.infer<typeof WorkspaceConfig>;

export const PlanwrightConfig = z.strictObject({
  provider: ProviderSettings.partial().strict().default({}).describe('Where and how to reach the model provider'),
  defaults: AgentModelSettings.partial().strict().default({}).describe('Model settings every agent starts from'),
  agents: z
    .record(z.string(), AgentModelSettings.partial().strict())
    .default({})
    .describe('Overrides by agent type ("code", "docs", ...) or role ("planner", "reviewer")'),
  customAgents: z
    .array(AgentSpec.strict())
    .default([])
    .describe('Extra agent types, or replacements for built-in ones'),
  prices: z
    .record(z.string(), ModelPrice.strict())
    .default({})
    .describe('Credits per 1K tokens by model, merged over the built-in table'),
  inputTokenMargin: z
    .number()
    .min(1)
    .max(3)
    .default(1.1)
    .describe('Factor on counted input tokens when reserving; raise it for providers whose tokenizer differs'),
  identity: z
    .strictObject({
      name: z.string().trim().min(1).max(200).optional().describe('Who approves and denies from this CLI'),
      groups: z
        .array(z.string().min(1).max(100))
        .max(20)
        .optional()
        .describe('Groups sent with approvals, matched against "group:<name>" entries of a run\'s approver list'),
    })
    .default({})
    .describe("This CLI user's identity for approvals: as trustworthy as the account that may signal the namespace"),
  encryption: z
    .strictObject({
      keyFile: z
        .string()
        .min(1)
        .optional()
        .describe(
          'File with the payload encryption keys (JSON or id:key lines); PLANWRIGHT_ENCRYPTION_KEYS/_KEY_FILE win',
        ),
    })
    .default({})
    .describe('Payload encryption: where the keys are, never the keys; PLANWRIGHT_ENCRYPTION=on turns it on'),
  notifications: z
    .strictObject({
      webhookUrl: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe('POST a JSON message here when a task waits for approval and when a run ends (Slack-compatible)'),
    })
    .default({})
    .describe('Where the worker tells people what needs them'),
  temporal: z
    .strictObject({
      webUiUrl: z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:8080' })
        .optional()
        .describe('Temporal Web UI the CLI links runs to; PLANWRIGHT_UI_URL wins; default http://localhost:8233'),
    })
    .default({})
    .describe('Where people find the Temporal server this config runs on'),
  mcpServers: McpServersConfig.default({}).describe(
    'MCP servers by name (stdio commands or Streamable HTTP URLs) and which of their tools each agent type may use',
  ),
  workspace: WorkspaceConfig.prefault({}).describe(
    "Where this worker keeps runs' repositories and checkouts, and its limits",
  ),
});
export type PlanwrightConfig = z.infer<typeof PlanwrightConfig>;

export const DEFAULT_MODEL_SETTINGS: AgentModelSettings = {
  model: 'gpt-4.1-mini',
  fallbackModels: [],
  maxOutputTokens: 2048,
  api: 'chat',
  stream: true,
  strictSchema: true,
};

export const DEFAULT_PROVIDER: ProviderSettings = { apiKeyEnv: 'OPENAI_API_KEY', headers: {}, timeoutMs: 300_000 };

/** Resolved settings the activities run with. */
export interface ModelSettings {
  provider: ProviderSettings & { apiKey?: string };
  defaults: AgentModelSettings;
  agents: Record<string, Partial<AgentModelSettings>>;
  customAgents: AgentSpec[];
  prices: PriceTable;
  inputTokenMargin: number;
  notifications: { webhookUrl?: string };
}

export function settingsFor(settings: ModelSettings, kind: CallKind, agentType?: string): AgentModelSettings {
  const key = kind === 'implementer' ? (agentType ?? 'general') : kind;
  return { ...settings.defaults, ...settings.agents[key] };
}
