export { type AgentLogger, type LogFields, openFileLogger, silentLogger } from "./agent-log.js";
export { type AgentModuleOptions, ANOMALY_SWEEP_MS, agentModules } from "./agent-modules.js";
export {
  type AgentModule,
  type AgentModuleContext,
  type AgentModuleFactory,
  type RunningAgent,
  type StartAgentOptions,
  startAgent,
} from "./agent-runtime.js";
export {
  AgentServer,
  type AgentServerOptions,
  agentSocketPath,
  MAX_BODY_BYTES,
  socketAnswers,
} from "./agent-server.js";
export { httpStatusFor } from "./http-status.js";
export { type AgentRequest, type AgentRoute, type HttpMethod, matchRoute } from "./route-table.js";
export {
  AgentSession,
  type AgentSessionOptions,
  type LockReason,
  type ReauthProof,
  type SessionStatus,
  type VaultOpener,
} from "./session.js";
export { AGENT_API_VERSION } from "./session-routes.js";
export { REAUTH_PASSWORD_HEADER, REAUTH_TOKEN_HEADER } from "./vault-routes.js";
