import { AuditLogger } from "../audit/index.js";
import type { CancelTimer } from "../clock.js";
import type { VigilConfig } from "../config/index.js";
import { isVigilError } from "../errors.js";
import { AccountMonitor } from "../monitor/index.js";
import { RotationWatcher, SecretsManager, type WatchTarget } from "../secrets/index.js";
import type { EncryptedVault } from "../vault/index.js";
import type { AgentModule, AgentModuleContext, AgentModuleFactory } from "./agent-runtime.js";
import { auditRoutes } from "./audit-routes.js";
import { monitorRoutes } from "./monitor-routes.js";
import { secretsRoutes } from "./secrets-routes.js";

/** What the optional modules are built from. */
export interface AgentModuleOptions {
  readonly home: string;
  readonly config: VigilConfig;
}

/** How often the agent runs the anomaly detectors on its own, between recorded events. */
export const ANOMALY_SWEEP_MS = 5 * 60_000;

/**
 * The optional modules the agent serves besides the vault, as enabled in config (`integration`
 * and each module's own switch): the audit trail first (the others report to it), then the
 * account monitor with its anomaly alerts, then the secrets manager with its rotation watcher.
 *
 * @example
 * await startAgent({ home, config, masterPassword, modules: agentModules({ home, config }) });
 */
export function agentModules(options: AgentModuleOptions): AgentModuleFactory[] {
  const { config } = options;
  const factories: AgentModuleFactory[] = [];
  if (config.integration.enableAuditLogging && config.auditLogging.enableAuditLogging) {
    factories.push((context) => auditModule(options, context));
  }
  if (config.integration.enableAccountMonitoring) {
    factories.push((context) => monitorModule(options, context));
  }
  if (config.integration.enableSecretsManager) {
    factories.push((context) => secretsModule(options, context));
  }
  return factories;
}

async function auditModule(
  options: AgentModuleOptions,
  context: AgentModuleContext,
): Promise<AgentModule> {
  // The trail's keys are derived once, while the vault is unlocked, so the agent can keep
  // writing a keyed trail after an idle lock. They can seal audit lines, not open the vault.
  const [sealKey, fingerprintKey] = await context.session.useVault(
    (vault) =>
      Promise.all([vault.deriveSubkey("audit-seal"), vault.deriveSubkey("audit-fingerprint")]),
    { touch: false },
  );
  const logger = new AuditLogger({
    home: options.home,
    config: options.config,
    clock: context.clock,
    keys: { sealKey, fingerprintKey },
    onError: (error) =>
      context.logger.error("audit background failure", {
        code: isVigilError(error) ? error.code : error.name,
      }),
  });
  return {
    name: "audit",
    routes: auditRoutes(logger),
    auditSink: logger,
    close: () => logger.close(),
  };
}

function monitorModule(options: AgentModuleOptions, context: AgentModuleContext): AgentModule {
  const monitor = new AccountMonitor({
    home: options.home,
    config: options.config,
    clock: context.clock,
    audit: context.audit,
  });
  const stopListening = monitor.onAnomaly((anomaly, alert) => {
    context.logger.warn("anomaly", {
      type: anomaly.type,
      severity: anomaly.severity,
      repeat: alert.repeat,
    });
  });
  // Some anomalies appear with the passing of time alone (a quiet account, a stale login), so
  // the detectors also run on a timer, not only when an event is recorded.
  let cancelSweep: CancelTimer | undefined;
  const sweep = () => {
    cancelSweep = context.clock.setTimer(() => {
      monitor.detectSuspiciousPatterns().then(sweep, (error: unknown) => {
        context.logger.error("anomaly sweep failed", {
          code: isVigilError(error) ? error.code : null,
        });
        sweep();
      });
    }, ANOMALY_SWEEP_MS);
  };
  sweep();
  return {
    name: "monitor",
    routes: monitorRoutes(monitor),
    close() {
      cancelSweep?.();
      stopListening();
      monitor.close();
    },
  };
}

function secretsModule(options: AgentModuleOptions, context: AgentModuleContext): AgentModule {
  const { session } = context;
  const managers = new WeakMap<EncryptedVault, SecretsManager>();
  const managerOf = (vault: EncryptedVault): SecretsManager => {
    let manager = managers.get(vault);
    if (manager === undefined) {
      manager = new SecretsManager(vault, {
        config: options.config,
        clock: context.clock,
        audit: context.audit,
        actor: "agent",
      });
      managers.set(vault, manager);
    }
    return manager;
  };
  // The watcher goes through the session without counting as use, so it never keeps the vault
  // unlocked; while locked its checks fail with E_LOCKED and it tries again next interval.
  const target: WatchTarget = {
    dueRotations: (request) =>
      session.useVault((vault) => managerOf(vault).dueRotations(request), { touch: false }),
    rotateIfDue: (name) =>
      session.useVault((vault) => managerOf(vault).rotateIfDue(name), { touch: false }),
  };
  const watcher = new RotationWatcher(target, {
    clock: context.clock,
    intervalHours: options.config.secretsRotation.checkIntervalHours,
  });
  watcher.on((event) => {
    if (event.type === "checked") {
      context.logger.info("rotation check", { due: event.due, rotated: event.rotated });
    } else if (event.type === "error") {
      context.logger.warn("rotation check failed", { code: event.code });
    } else {
      context.logger.info(`rotation ${event.type}`, { name: event.name });
    }
  });
  watcher.start();
  return {
    name: "secrets",
    routes: secretsRoutes(session, managerOf),
    close: () => watcher.stop(),
  };
}
