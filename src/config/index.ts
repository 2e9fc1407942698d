export { configJsonSchema } from "./json-schema.js";
export {
  CONFIG_FILE_NAME,
  ENV_OVERRIDES,
  type LoadConfigOptions,
  loadConfig,
  parseConfig,
  parseConfigText,
} from "./load-config.js";
export { configSchema, type VigilConfig, type VigilConfigInput } from "./schema.js";
export { renderStarterConfig } from "./starter-config.js";
