import type { Clock } from "../clock.js";
import type { VigilConfig } from "../config/index.js";
import type { AgentModuleFactory } from "./agent-runtime.js";

/** What the optional modules are built from. */
export interface AgentModuleOptions {
  readonly home: string;
  readonly config: VigilConfig;
  readonly clock?: Clock;
}

/**
 * The optional modules the agent serves besides the vault, as enabled in config `integration`.
 *
 * @example
 * await startAgent({ home, config, masterPassword, modules: agentModules({ home, config }) });
 */
export function agentModules(_options: AgentModuleOptions): AgentModuleFactory[] {
  return [];
}
