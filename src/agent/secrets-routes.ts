import type { SecretsManager } from "../secrets/index.js";
import type { EncryptedVault } from "../vault/index.js";
import type { AgentRoute } from "./route-table.js";
import type { AgentSession } from "./session.js";

/** The secrets manager bound to the session's current vault (it changes on each unlock). */
export type ManagerOf = (vault: EncryptedVault) => SecretsManager;

/**
 * The rotation routes: what is due (or soon due, with `?includeSoon=true`) and the rotation
 * status of every registered secret, or of one with `?name=`. They read the vault, so they
 * answer `E_LOCKED` while it is locked.
 *
 * @example
 * const routes = secretsRoutes(session, managerOf);
 */
export function secretsRoutes(session: AgentSession, managerOf: ManagerOf): AgentRoute[] {
  return [
    {
      method: "GET",
      pattern: "/v1/secrets/due",
      handle: async ({ query }) => {
        const includeSoon = query.get("includeSoon") === "true";
        const due = await session.useVault((vault) =>
          managerOf(vault).dueRotations({ includeSoon }),
        );
        return { due };
      },
    },
    {
      method: "GET",
      pattern: "/v1/secrets/status",
      handle: async ({ query }) => {
        const name = query.get("name");
        return session.useVault(async (vault) => {
          const manager = managerOf(vault);
          return name === null
            ? { secrets: await manager.getRotationStatus() }
            : { secrets: { [name]: await manager.getRotationStatus(name) } };
        });
      },
    },
  ];
}
