import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { AuditSink } from "../audit-sink.js";
import { loadConfig, type VigilConfig } from "../config/index.js";
import { VigilError } from "../errors.js";
import { resolveHome } from "../storage/index.js";
import { EncryptedVault, MASTER_PASSWORD_ENV, resolveMasterPassword } from "../vault/index.js";
import {
  AgentAuditSink,
  AgentCredentialStore,
  agentServesAudit,
  type CredentialStore,
  findUnlockedAgent,
} from "./agent-client.js";
import { createCliAuditLogger } from "./audit-commands.js";
import { promptHidden, promptHiddenTwice, warn } from "./terminal-io.js";

/** What every command needs, built once from the global options. */
export interface CliContext {
  readonly home: string;
  readonly config: VigilConfig;
  readonly json: boolean;
  /** The master password from the environment, the password file or a no-echo prompt. */
  masterPassword(options?: { confirm?: boolean }): Promise<string>;
  /** The vault, unlocked. `create` is false except for `vigil init`. */
  openVault(options?: { create?: boolean; allowWeakPassword?: boolean }): Promise<EncryptedVault>;
  /**
   * Credential operations through the running agent when one answers with its vault unlocked
   * (no key derivation here), else through the local vault. `--no-agent` or `VIGIL_NO_AGENT=1`
   * always use the local vault.
   */
  credentialStore(): Promise<CredentialStore>;
  /** Where vault, secrets and monitor events go; undefined when auditing is off. */
  auditSink(): Promise<AuditSink | undefined>;
  /** Releases what the command opened. */
  close(): Promise<void>;
}

/** Global options every command inherits. */
export interface GlobalOptions {
  home?: string;
  config?: string;
  json?: boolean;
  /** False with `--no-agent`. */
  agent?: boolean;
}

/** Builds the context for `command` from its options and the environment. */
export function createCliContext(command: Command): CliContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const config = loadConfig(globals.config === undefined ? {} : { file: globals.config });
  const home = resolveHome(globals.home ?? config.home);
  const opened: EncryptedVault[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  let auditLogger: AuditSink | undefined;

  const bypassAgent = () => globals.agent === false || process.env.VIGIL_NO_AGENT === "1";

  const context: CliContext = {
    home,
    config,
    json: globals.json === true,
    async masterPassword(options = {}) {
      try {
        return resolveMasterPassword({ file: config.vault.masterPasswordFile });
      } catch (error) {
        if (!(error instanceof VigilError) || error.code !== "E_LOCKED") throw error;
      }
      if (config.vault.masterPasswordSource !== "prompt" && !process.stdin.isTTY) {
        throw new VigilError(
          "E_LOCKED",
          `no master password: set ${MASTER_PASSWORD_ENV} or vault.masterPasswordFile`,
        );
      }
      return options.confirm
        ? promptHiddenTwice("New master password: ", "passwords")
        : promptHidden("Master password: ");
    },
    async openVault(options = {}) {
      const vault = new EncryptedVault({
        home,
        config,
        masterPassword: await context.masterPassword({ confirm: options.create === true }),
        create: options.create ?? false,
        ...(options.allowWeakPassword === undefined
          ? {}
          : { allowWeakPassword: options.allowWeakPassword }),
        ...withAudit(await context.auditSink()),
      });
      opened.push(vault);
      await vault.unlock();
      return vault;
    },
    async credentialStore() {
      const client = bypassAgent()
        ? undefined
        : await findUnlockedAgent(home, {
            onLocked: () =>
              warn("the agent is locked ('vigil agent unlock'); opening the vault here"),
          });
      if (client === undefined) return context.openVault();
      return new AgentCredentialStore(client, () => context.masterPassword());
    },
    async auditSink() {
      if (!config.auditLogging.enableAuditLogging || !config.integration.enableAuditLogging) {
        return undefined;
      }
      if (auditLogger === undefined) {
        // Next to an unlocked agent, its trail (keyed without asking for the password) is used.
        const agent = bypassAgent() ? undefined : await findUnlockedAgent(home);
        if (agent !== undefined && (await agentServesAudit(agent))) {
          auditLogger = new AgentAuditSink(agent);
          return auditLogger;
        }
        const logger = createCliAuditLogger({
          home,
          config,
          // The vault keys the trail when it exists; the first write that needs the key opens
          // it (or reuses the one this command opened), so commands without a vault still log.
          vaultExists: existsSync(config.vault.file ?? join(home, "vault")),
          openVault: async () => opened[0] ?? context.openVault(),
        });
        closers.push(() => logger.close());
        auditLogger = logger;
      }
      return auditLogger;
    },
    async close() {
      for (const vault of opened) vault.close();
      for (const closer of closers.reverse()) await closer();
    },
  };
  return context;
}

function withAudit(sink: AuditSink | undefined): { audit?: AuditSink } {
  return sink === undefined ? {} : { audit: sink };
}
