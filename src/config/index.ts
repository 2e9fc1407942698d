export {
  CONFIG_FILE_NAME,
  ENV_OVERRIDES,
  type LoadConfigOptions,
  loadConfig,
  parseConfig,
} from "./load-config.js";
export { configSchema, type VigilConfig, type VigilConfigInput } from "./schema.js";
