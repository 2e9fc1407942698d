import { z } from "zod";

/*
 * One schema for every vigil setting. Section names follow the design document
 * (VAULT_CONFIG, SECRETS_ROTATION, AUDIT_LOGGING, ACCOUNT_MONITORING, SECURITY_INTEGRATION and the
 * session policy) in camelCase. Every field has its default here and nowhere else; `.describe`
 * texts are the documentation shown by `vigil config show` and the published JSON Schema.
 */

const positiveInt = () => z.number().int().positive();

const kdfSchema = z
  .strictObject({
    memoryKiB: positiveInt().default(65_536).describe("Argon2id memory in KiB (RFC 9106: 64 MiB)"),
    iterations: positiveInt().default(3).describe("Argon2id passes"),
    parallelism: positiveInt().default(4).describe("Argon2id lanes"),
  })
  .prefault({})
  .describe("Key derivation for new vaults; an existing vault keeps the parameters in its header");

export const vaultSchema = z
  .strictObject({
    file: z.string().optional().describe("Vault file; default <home>/vault"),
    masterPasswordSource: z
      .enum(["env", "file", "prompt"])
      .default("env")
      .describe("Where the master password comes from when no option gives it"),
    masterPasswordFile: z
      .string()
      .optional()
      .describe("A 0600 file holding the master password (used after VAULT_MASTER_PASSWORD)"),
    maxBackupVersions: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(3)
      .describe("Earlier values kept per credential for rollback"),
    expiryWarningDays: z
      .number()
      .int()
      .min(0)
      .default(14)
      .describe("A credential expiring within this many days is flagged 'expiring'"),
    allowWeakPassword: z
      .boolean()
      .default(false)
      .describe("Accept a weak master password at init (not recommended)"),
    lockTimeoutMs: positiveInt().default(10_000).describe("Wait this long for another writer"),
    kdf: kdfSchema,
  })
  .prefault({});

const rotationPolicySchema = z.strictObject({
  rotationDays: positiveInt().describe("Days between rotations"),
  autoRotate: z.boolean().default(false).describe("Let the watcher rotate it unattended"),
  rotator: z.enum(["generate", "command", "manual"]).default("manual"),
  command: z.string().optional().describe("Executable for the command rotator"),
  length: positiveInt().optional().describe("Length for the generate rotator"),
  alphabet: z
    .enum(["alphanumeric", "password", "hex"])
    .optional()
    .describe("Characters for the generate rotator (default alphanumeric)"),
  verifyCommand: z
    .string()
    .optional()
    .describe("Executable that gets the new value on stdin and exits 0 if it works"),
  notifyDaysBefore: z.number().int().min(0).optional(),
});

export const secretsRotationSchema = z
  .strictObject({
    enableRotation: z.boolean().default(true),
    checkIntervalHours: z.number().positive().default(24).describe("How often the watcher checks"),
    notifyDaysBefore: z.number().int().min(0).default(7).describe("Notice window before due"),
    defaultRotationDays: positiveInt().default(90),
    keepBackups: z.boolean().default(true),
    maxBackupVersions: z.number().int().min(0).max(100).default(3),
    commandTimeoutMs: positiveInt().default(30_000).describe("Timeout for command rotators"),
    historyLimit: positiveInt()
      .default(100)
      .describe("Rotation history entries kept per secret (oldest dropped first)"),
    secrets: z
      .record(z.string(), rotationPolicySchema)
      .default({
        openai_api_key: { rotationDays: 90, autoRotate: false, rotator: "manual" },
        deepseek_api_key: { rotationDays: 90, autoRotate: false, rotator: "manual" },
        gemini_api_key: { rotationDays: 90, autoRotate: false, rotator: "manual" },
        linkedin_session_token: { rotationDays: 30, autoRotate: false, rotator: "manual" },
      })
      .describe("Rotation policy per credential name"),
  })
  .prefault({});

const syslogSchema = z.strictObject({
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(1).max(65_535).default(514),
  protocol: z.enum(["udp", "tcp", "tls"]).default("udp"),
  appName: z.string().default("vigil"),
  caFile: z.string().optional().describe("CA certificate for TLS (RFC 5425)"),
  facility: z.number().int().min(0).max(23).default(13).describe("13 = log audit"),
});

export const auditLoggingSchema = z
  .strictObject({
    enableAuditLogging: z.boolean().default(true),
    logDirectory: z.string().optional().describe("Default <home>/audit"),
    rotateDaily: z.boolean().default(true),
    maxLogFiles: positiveInt().default(90).describe("Daily files kept (retention in days)"),
    logFormat: z.enum(["json"]).default("json"),
    durability: z
      .enum(["fsync", "batched"])
      .default("batched")
      .describe("fsync every event, or group commit every batchIntervalMs"),
    batchIntervalMs: positiveInt().default(5),
    sealIntervalMinutes: positiveInt()
      .default(60)
      .describe("Write a keyed seal at least this often"),
    redactKeys: z
      .array(z.string())
      .default([
        "password",
        "passwd",
        "token",
        "secret",
        "api_key",
        "apikey",
        "authorization",
        "cookie",
        "session",
        "private_key",
        "client_secret",
      ])
      .describe(
        "Detail keys (case, '-' and '_' ignored; suffix match) whose values become an HMAC " +
          "fingerprint. Not 'credential': the vault's events name credentials, never values",
      ),
    lockTimeoutMs: positiveInt()
      .default(10_000)
      .describe("Wait this long for another process appending to the audit trail"),
    syslog: syslogSchema.optional(),
  })
  .prefault({});

export const accountMonitoringSchema = z
  .strictObject({
    enableMonitoring: z.boolean().default(true),
    database: z.string().optional().describe("Default <home>/monitor.sqlite"),
    retentionDays: positiveInt().default(400),
    timeZone: z.string().default("UTC").describe("IANA zone of the account's user, for hours"),
    geoipDatabase: z.string().optional().describe("A MaxMind .mmdb file for locations"),
    alertRepeatMinutes: positiveInt().default(60),
    thresholds: z
      .strictObject({
        maxApplicationsPerHour: positiveInt().default(20),
        maxFailedLoginsPerDay: positiveInt().default(3),
        maxErrorsPerHour: positiveInt().default(5),
        maxApplicationsPerDay: positiveInt().default(50),
        unusualHoursStart: z.number().int().min(0).max(23).default(0),
        unusualHoursEnd: z.number().int().min(0).max(24).default(5),
        impossibleTravelKmh: positiveInt().default(900),
        failedLoginWindowHours: positiveInt()
          .default(24)
          .describe("Window over which failed logins are counted"),
        locationWindowHours: positiveInt()
          .default(24)
          .describe("How long a login from a new place or impossible travel stays active"),
        impossibleTravelMinKm: z
          .number()
          .min(0)
          .default(100)
          .describe("Ignore jumps shorter than this (GeoIP city precision)"),
        unusualHoursWindowMinutes: positiveInt()
          .default(60)
          .describe("How long activity at unusual hours stays active"),
        rateLimitWindowMinutes: positiveInt()
          .default(60)
          .describe("How long an HTTP 429 or a slow-down notice stays active"),
      })
      .prefault({}),
    detectAnomalies: z
      .strictObject({
        burstActivity: z.boolean().default(true),
        failedLogins: z.boolean().default(true),
        unusualLocation: z.boolean().default(true),
        unusualHours: z.boolean().default(true),
        errorSpike: z.boolean().default(true),
        rateLimited: z.boolean().default(true),
        dailyLimit: z.boolean().default(true),
      })
      .prefault({}),
    pacing: z
      .strictObject({
        hourlyMarginRatio: z
          .number()
          .min(0)
          .max(1)
          .default(0.75)
          .describe("Pace to this share of maxApplicationsPerHour"),
        minGapSeconds: z.number().min(0).default(45),
        jitterSeconds: z.number().min(0).default(30),
        backoffSeconds: z.array(z.number().positive()).default([90, 180, 360]),
        burstCapacity: positiveInt()
          .default(3)
          .describe("Token bucket size: applications allowed back to back before pacing"),
        criticalRecheckSeconds: positiveInt()
          .default(300)
          .describe("While a critical anomaly is active, ask again after this long"),
      })
      .prefault({}),
  })
  .prefault({});

export const integrationSchema = z
  .strictObject({
    enableEncryptedVault: z.boolean().default(true),
    enableSecretsManager: z.boolean().default(true),
    enableAuditLogging: z.boolean().default(true),
    enableAccountMonitoring: z.boolean().default(true),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe("Variables for 'vigil run': NAME -> value or vigil://CREDENTIAL"),
  })
  .prefault({});

export const sessionSchema = z
  .strictObject({
    idleTimeoutMinutes: z.number().positive().default(30),
    maxSessionHours: z.number().positive().default(24),
    reauthForSensitive: z.boolean().default(true),
    singleSessionPerUser: z.boolean().default(true),
  })
  .prefault({});

/** The whole configuration file. */
export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  home: z.string().optional().describe("Data directory; default ./.vigil or VIGIL_HOME"),
  vault: vaultSchema,
  secretsRotation: secretsRotationSchema,
  auditLogging: auditLoggingSchema,
  accountMonitoring: accountMonitoringSchema,
  integration: integrationSchema,
  session: sessionSchema,
});

/** A fully defaulted configuration. */
export type VigilConfig = z.output<typeof configSchema>;
/** What a configuration file may contain (everything optional). */
export type VigilConfigInput = z.input<typeof configSchema>;
