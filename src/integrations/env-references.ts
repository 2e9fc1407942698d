import type { AuditSink } from "../audit-sink.js";
import { VigilError } from "../errors.js";
import { assertCredentialName } from "../vault/index.js";

/** The scheme that marks a variable's value as a reference to a vault credential. */
export const REFERENCE_PREFIX = "vigil://";

/** Where credentials are read from: an `EncryptedVault`, or anything shaped like it. */
export interface CredentialReader {
  hasCredential(name: string): Promise<boolean>;
  getCredential(name: string): Promise<string>;
}

/** One variable whose value came from the vault. */
export interface InjectedCredential {
  readonly variable: string;
  readonly credential: string;
  readonly value: string;
}

/** Options for {@link resolveEnvReferences}. */
export interface ResolveOptions {
  /** Receives one credential_access event per injected credential. */
  readonly audit?: AuditSink;
  /** Who injects, for the audit description. Default `vigil run`. */
  readonly purpose?: string;
}

/**
 * The credential named by a `vigil://NAME` value, or `undefined` for an ordinary value.
 *
 * @example
 * referencedCredential("vigil://openai_api_key"); // "openai_api_key"
 * referencedCredential("plain"); // undefined
 */
export function referencedCredential(value: string): string | undefined {
  return value.startsWith(REFERENCE_PREFIX) ? value.slice(REFERENCE_PREFIX.length) : undefined;
}

/**
 * Replaces every `vigil://NAME` value in `variables` by the credential's value. All references
 * are checked before any value is read, so a missing one fails the whole call and nothing
 * downstream (a child process) starts with half its environment.
 *
 * @returns the resolved variables (a new object) and the list of injected credentials.
 * @throws {VigilError} `E_NOT_FOUND` naming every variable whose credential is missing,
 * `E_INVALID_NAME` for a reference that is not a valid credential name.
 * @example
 * const { env } = await resolveEnvReferences({ API_KEY: "vigil://openai_api_key" }, vault);
 */
export async function resolveEnvReferences(
  variables: Readonly<Record<string, string>>,
  reader: CredentialReader,
  options: ResolveOptions = {},
): Promise<{ env: Record<string, string>; injected: InjectedCredential[] }> {
  const references: { variable: string; credential: string }[] = [];
  for (const [variable, value] of Object.entries(variables)) {
    const credential = referencedCredential(value);
    if (credential === undefined) continue;
    try {
      assertCredentialName(credential);
    } catch (error) {
      throw new VigilError(
        "E_INVALID_NAME",
        `${variable} references an invalid credential name: ${(error as Error).message}`,
      );
    }
    references.push({ variable, credential });
  }

  const missing: string[] = [];
  for (const { variable, credential } of references) {
    if (!(await reader.hasCredential(credential))) missing.push(`${variable} -> ${credential}`);
  }
  if (missing.length > 0) {
    throw new VigilError(
      "E_NOT_FOUND",
      `missing credential(s) for ${missing.join(", ")}; store them with 'vigil vault set NAME' ` +
        "(nothing was started)",
    );
  }

  // A null prototype, so a variable named __proto__ is just a variable.
  const env: Record<string, string> = Object.assign(Object.create(null), variables);
  const injected: InjectedCredential[] = [];
  for (const { variable, credential } of references) {
    const value = await reader.getCredential(credential);
    env[variable] = value;
    injected.push({ variable, credential, value });
    await options.audit?.record({
      eventType: "credential_access",
      description: `credential ${credential} injected as ${variable} by ${options.purpose ?? "vigil run"}`,
      details: { credential, variable, action: "inject" },
    });
  }
  return { env, injected };
}
