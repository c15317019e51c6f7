/** Configuration: the config file's schema, loading it with the environment, and the worker's own settings. */
export { ConfigError } from './errors';
export { loadModelSettings } from './load';
export {
  AgentModelSettings,
  DEFAULT_MODEL_SETTINGS,
  PlanwrightConfig,
  ProviderSettings,
  settingsFor,
  type ModelSettings,
} from './schema';
export { DEFAULT_TASK_QUEUE, workerSettingsFromEnv, type WorkerSettings } from './worker-settings';
