import type { AuditSink, AuditSinkEvent } from "../audit-sink.js";
import { type Clock, systemClock } from "../clock.js";
import type { VigilConfig } from "../config/index.js";
import { isVigilError } from "../errors.js";
import { EncryptedVault } from "../vault/index.js";
import { type AgentLogger, silentLogger } from "./agent-log.js";
import { AgentServer, agentSocketPath } from "./agent-server.js";
import type { AgentRoute } from "./route-table.js";
import { AgentSession } from "./session.js";
import { sessionRoutes } from "./session-routes.js";
import { vaultRoutes } from "./vault-routes.js";

/** An optional part of the agent (audit, monitor, secrets): its routes and its lifecycle. */
export interface AgentModule {
  readonly name: string;
  readonly routes: readonly AgentRoute[];
  /** When set, the agent's audit events (vault, session, other modules) go here. */
  readonly auditSink?: AuditSink;
  /** Stops watchers and releases files; called once at shutdown. */
  close?(): void | Promise<void>;
}

/** What a module is built with. */
export interface AgentModuleContext {
  /** The vault goes through the session, so a module never outlives a lock. */
  readonly session: AgentSession;
  readonly clock: Clock;
  readonly logger: AgentLogger;
  /** Forwards to the audit module's sink once there is one; drops events before. */
  readonly audit: AuditSink;
}

/** Builds a module once the session is unlocked. */
export type AgentModuleFactory = (
  context: AgentModuleContext,
) => AgentModule | Promise<AgentModule>;

/** Options for {@link startAgent}. */
export interface StartAgentOptions {
  readonly home: string;
  readonly config: VigilConfig;
  /** Unlocks the vault once at start; forgotten afterwards (only the vault keeps its key). */
  readonly masterPassword: string;
  /** Default: `<home>/agent.sock`. */
  readonly socketPath?: string;
  /** Default: {@link systemClock}. */
  readonly clock?: Clock;
  /** Default: a logger that drops everything. */
  readonly logger?: AgentLogger;
  /** Receives the vault's credential events. */
  readonly audit?: AuditSink;
  /** Optional modules (audit, monitor, secrets) to serve besides the vault. */
  readonly modules?: readonly AgentModuleFactory[];
}

/** A running agent. */
export interface RunningAgent {
  readonly socketPath: string;
  readonly session: AgentSession;
  /** Settles when the agent has stopped (on request, signal or {@link RunningAgent.stop}). */
  readonly stopped: Promise<void>;
  /** Locks the vault, stops the server, removes the socket. Idempotent. */
  stop(): Promise<void>;
}

const MINUTE_MS = 60_000;

/**
 * Unlocks the vault once, then serves it on the socket with the configured session rules
 * (`session.idleTimeoutMinutes`, `session.maxSessionHours`, `session.reauthForSensitive`).
 *
 * @throws {VigilError} `E_WRONG_PASSWORD`, `E_NOT_FOUND` (no vault: run `vigil init`), `E_AGENT`
 * (another agent answers on the socket).
 * @example
 * const agent = await startAgent({ home, config, masterPassword });
 * await agent.stopped;
 */
export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const socketPath = options.socketPath ?? agentSocketPath(options.home);
  const audit = new AuditRelay(options.audit, logger);
  const session = new AgentSession({
    open: async (masterPassword) => {
      const vault = new EncryptedVault({
        home: options.home,
        config: options.config,
        masterPassword,
        clock,
        create: false,
        audit,
      });
      try {
        await vault.unlock();
      } catch (error) {
        vault.close();
        if (isVigilError(error, "E_WRONG_PASSWORD")) {
          logger.warn("wrong master password offered");
          await audit.record({
            eventType: "login",
            severity: "high",
            description: "agent: a wrong master password was offered",
            details: { success: false, source: "agent" },
          });
        }
        throw error;
      }
      return vault;
    },
    clock,
    idleTimeoutMs: options.config.session.idleTimeoutMinutes * MINUTE_MS,
    maxSessionMs: options.config.session.maxSessionHours * 60 * MINUTE_MS,
    reauthForSensitive: options.config.session.reauthForSensitive,
    onLock: (reason) => {
      logger.info("vault locked", { reason });
      void audit.record({
        eventType: "logout",
        severity: "low",
        description: `agent: vault locked (${reason})`,
        details: { reason, source: "agent" },
      });
    },
  });
  await session.unlock(options.masterPassword);

  const modules: AgentModule[] = [];
  let stopAgent: () => Promise<void> = async () => undefined;
  try {
    for (const factory of options.modules ?? []) {
      const module = await factory({ session, clock, logger, audit });
      modules.push(module);
      if (module.auditSink !== undefined) audit.target ??= module.auditSink;
    }
  } catch (error) {
    await closeModules(modules, logger);
    session.lock("shutdown");
    throw error;
  }
  const routes: AgentRoute[] = [
    ...sessionRoutes({
      session,
      clock,
      startedAtMs: clock.now(),
      modules: modules.map((module) => module.name),
      requestStop: () => {
        // Answer first, then stop: the stop request's own reply must get out.
        setImmediate(() => void stopAgent());
      },
    }),
    ...vaultRoutes(session),
    ...modules.flatMap((module) => module.routes),
  ];
  const server = new AgentServer({ socketPath, routes, logger });
  try {
    await server.listen();
  } catch (error) {
    await closeModules(modules, logger);
    session.lock("shutdown");
    throw error;
  }
  logger.info("agent listening", { pid: process.pid, modules: modules.length });

  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  stopAgent = () => {
    stopping ??= (async () => {
      session.lock("shutdown");
      await server.close();
      await closeModules(modules, logger);
      logger.info("agent stopped", { pid: process.pid });
      resolveStopped();
    })();
    return stopping;
  };
  return { socketPath, session, stopped, stop: stopAgent };
}

/**
 * The vault is opened before the audit module exists (the module's keys come from the vault),
 * so the vault is given this relay, which forwards once the module is there. A failing audit
 * write is logged, never thrown back into a vault operation that already happened.
 */
class AuditRelay implements AuditSink {
  target: AuditSink | undefined;
  readonly #logger: AgentLogger;

  constructor(target: AuditSink | undefined, logger: AgentLogger) {
    this.target = target;
    this.#logger = logger;
  }

  async record(event: AuditSinkEvent): Promise<void> {
    if (this.target === undefined) return;
    try {
      await this.target.record(event);
    } catch (error) {
      this.#logger.error("audit write failed", {
        eventType: event.eventType,
        code: isVigilError(error) ? error.code : null,
      });
    }
  }
}

async function closeModules(modules: readonly AgentModule[], logger: AgentLogger): Promise<void> {
  // Reverse order: the audit module (first) closes last, after the others' final events.
  for (const module of [...modules].reverse()) {
    try {
      await module.close?.();
    } catch (error) {
      logger.error("module failed to close", {
        module: module.name,
        kind: error instanceof Error ? error.name : typeof error,
      });
    }
  }
}
