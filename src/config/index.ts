/** Configuration: the config file's schema, loading it with the environment, and the worker's own settings. */
export { ConfigError } from './errors';
export { loadConfigFile, loadModelSettings } from './load';
export {
  DEFAULT_MCP_MAX_RESULT_CHARS,
  DEFAULT_MCP_TIMEOUT_SECONDS,
  mcpAgentTypeProblems,
  McpServerConfig,
  McpServersConfig,
} from './mcp';
export {
  AgentModelSettings,
  DEFAULT_MODEL_SETTINGS,
  PlanwrightConfig,
  ProviderSettings,
  settingsFor,
  type ModelSettings,
} from './schema';
export { DEFAULT_WEB_UI_URL, resolveWebUiUrl } from './web-ui';
export { DEFAULT_TASK_QUEUE, workerSettingsFromEnv, type WorkerSettings } from './worker-settings';
export { defaultWorkspaceRoot, resolveWorkspaceConfig, type WorkspaceWorkerConfig } from './workspace';
