import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import type { AgentRoute } from "./route-table.js";
import { parseBody } from "./route-table.js";
import type { AgentSession, ReauthProof } from "./session.js";

/** Header carrying the master password, base64 of its UTF-8 bytes, for a sensitive request. */
export const REAUTH_PASSWORD_HEADER = "x-vigil-reauth";
/** Header carrying a single-use token from `POST /v1/session/reauth`. */
export const REAUTH_TOKEN_HEADER = "x-vigil-reauth-token";

const setBody = z.strictObject({
  value: z.string(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
const rollbackBody = z.strictObject({ version: z.number().int().positive().optional() });
const passwordChangeBody = z.strictObject({
  newPassword: z.string().min(1),
  allowWeakPassword: z.boolean().optional(),
});

/**
 * The credential routes. Reads and writes count as use of the session; delete, rollback, export
 * (every value) and the password change are sensitive and need {@link AgentSession.requireReauth}.
 *
 * @example
 * const routes = vaultRoutes(session);
 */
export function vaultRoutes(session: AgentSession): AgentRoute[] {
  return [
    {
      method: "GET",
      pattern: "/v1/credentials",
      handle: async () => ({
        credentials: await session.useVault((vault) => vault.listCredentials()),
      }),
    },
    {
      method: "GET",
      pattern: "/v1/credentials/:name",
      handle: async ({ params }) => {
        const name = params.name ?? "";
        const value = await session.useVault((vault) => vault.getCredential(name));
        return { name, value };
      },
    },
    {
      method: "PUT",
      pattern: "/v1/credentials/:name",
      handle: async ({ params, body }) => {
        const name = params.name ?? "";
        const input = parseBody(setBody, body);
        const info = await session.useVault((vault) =>
          vault.setCredential(name, input.value, input.metadata ?? {}),
        );
        return { name, ...info };
      },
    },
    {
      method: "GET",
      pattern: "/v1/credentials/:name/exists",
      handle: async ({ params }) => {
        const name = params.name ?? "";
        return { name, exists: await session.useVault((vault) => vault.hasCredential(name)) };
      },
    },
    {
      method: "GET",
      pattern: "/v1/credentials/:name/history",
      handle: async ({ params }) => {
        const name = params.name ?? "";
        return { name, versions: await session.useVault((vault) => vault.getHistory(name)) };
      },
    },
    {
      method: "DELETE",
      pattern: "/v1/credentials/:name",
      handle: async ({ params, headers }) => {
        const name = params.name ?? "";
        await session.requireReauth(reauthProof(headers));
        await session.useVault((vault) => vault.deleteCredential(name));
        return { name, deleted: true };
      },
    },
    {
      method: "POST",
      pattern: "/v1/credentials/:name/rollback",
      handle: async ({ params, headers, body }) => {
        const name = params.name ?? "";
        const input = parseBody(rollbackBody, body);
        await session.requireReauth(reauthProof(headers));
        const info = await session.useVault((vault) => vault.rollback(name, input.version));
        return { name, ...info };
      },
    },
    {
      method: "POST",
      pattern: "/v1/vault/export",
      handle: async ({ headers }) => {
        await session.requireReauth(reauthProof(headers));
        return session.useVault(async (vault) => {
          const names = Object.keys(await vault.listCredentials());
          const credentials: Record<string, string> = Object.create(null);
          for (const name of names) credentials[name] = await vault.getCredential(name);
          return { credentials };
        });
      },
    },
    {
      method: "POST",
      pattern: "/v1/vault/password",
      handle: async ({ headers, body }) => {
        const input = parseBody(passwordChangeBody, body);
        await session.requireReauth(reauthProof(headers));
        await session.useVault((vault) =>
          vault.changeMasterPassword(
            input.newPassword,
            input.allowWeakPassword === undefined
              ? {}
              : { allowWeakPassword: input.allowWeakPassword },
          ),
        );
        return { changed: true };
      },
    },
  ];
}

/** The re-auth proof a request carries in its headers (see the two header constants). */
export function reauthProof(headers: IncomingHttpHeaders): ReauthProof {
  const encoded = single(headers[REAUTH_PASSWORD_HEADER]);
  const token = single(headers[REAUTH_TOKEN_HEADER]);
  return {
    password: encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8"),
    token,
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
