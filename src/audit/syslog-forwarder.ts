import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { hostname } from "node:os";
import { connect as tlsConnect } from "node:tls";
import type { AuditRecord, AuditSeverity } from "./audit-event.js";

/** Where and how to forward events (the `auditLogging.syslog` config section). */
export interface SyslogOptions {
  readonly host: string;
  readonly port: number;
  readonly protocol: "udp" | "tcp" | "tls";
  /** Default `vigil`. */
  readonly appName?: string;
  /** Default 13 (log audit). */
  readonly facility?: number;
  /** PEM CA file for TLS; default: the system's trusted CAs. */
  readonly caFile?: string | undefined;
  /** TLS server name to check; default `host`. */
  readonly serverName?: string;
  /** Default: this machine's host name. */
  readonly hostname?: string;
}

/** Syslog severity (RFC 5424 table 2) per vigil severity. */
export const SYSLOG_SEVERITY: Readonly<Record<AuditSeverity, number>> = {
  low: 6, // informational
  medium: 5, // notice
  high: 3, // error
  critical: 2, // critical
};

/**
 * The SD-ID of vigil's structured data. 32473 is the private enterprise number RFC 5612
 * reserves for documentation; a deployment with its own number can filter on the name part.
 */
export const SD_ID = "vigil@32473";

/** Escapes an SD-PARAM value: `"`, `\` and `]` take a backslash (RFC 5424 section 6.3.3). */
export function escapeSdValue(value: string): string {
  return value.replace(/["\\\]]/g, (char) => `\\${char}`);
}

/** A header field (HOSTNAME, APP-NAME, MSGID): printable ASCII without spaces, or `-`. */
function headerField(value: string, maxLength: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, "").slice(0, maxLength);
  return clean === "" ? "-" : clean;
}

/**
 * One record as an RFC 5424 message:
 * `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [vigil@32473 ...] MSG`, where MSGID is the event type
 * and MSG the record's JSON line (so a SIEM receives exactly what the trail holds).
 */
export function formatRfc5424(record: AuditRecord, options: SyslogOptions): string {
  const pri = (options.facility ?? 13) * 8 + SYSLOG_SEVERITY[record.severity];
  const params: [string, string][] = [
    ["event_type", record.event_type],
    ["severity", record.severity],
    ["user", record.username],
    ["seq", String(record.seq)],
    ["hash", record.hash],
  ];
  const sdParams = params.map(([name, value]) => `${name}="${escapeSdValue(value)}"`).join(" ");
  const sd = `[${SD_ID} ${sdParams}]`;
  const host = headerField(options.hostname ?? hostname(), 255);
  const app = headerField(options.appName ?? "vigil", 48);
  const msgId = headerField(record.event_type, 32);
  const header = `<${pri}>1 ${record.timestamp} ${host} ${app} ${process.pid} ${msgId}`;
  return `${header} ${sd} ${JSON.stringify(record)}`;
}

/**
 * Forwards records to a syslog server: UDP (one datagram per message), TCP with octet
 * counting (RFC 6587 section 3.4.1) or TLS with the same framing (RFC 5425). Stream transports
 * connect on first use and reconnect after an error; delivery is best effort, because the trail
 * on disk, not the network copy, is the record of truth. Failures are counted and passed to
 * `onError`, never thrown into the writer.
 *
 * @example
 * const forwarder = new SyslogForwarder({ host: "127.0.0.1", port: 6514, protocol: "tls" });
 * await forwarder.send([record]);
 * await forwarder.close();
 */
export class SyslogForwarder {
  readonly #options: SyslogOptions;
  readonly #onError: ((error: Error) => void) | undefined;
  #udp: UdpSocket | undefined;
  #stream: Promise<Socket> | undefined;
  #failures = 0;

  constructor(options: SyslogOptions, onError?: (error: Error) => void) {
    this.#options = options;
    this.#onError = onError;
  }

  /** Messages that could not be delivered. */
  get failures(): number {
    return this.#failures;
  }

  /** Sends records in order; resolves once they are handed to the kernel. */
  async send(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const messages = records.map((record) => formatRfc5424(record, this.#options));
    try {
      if (this.#options.protocol === "udp") await this.#sendUdp(messages);
      else await this.#sendStream(messages);
    } catch (error) {
      this.#failures += messages.length;
      this.#stream = undefined;
      this.#onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Closes the connection after pending writes. */
  async close(): Promise<void> {
    this.#udp?.close();
    this.#udp = undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream === undefined) return;
    try {
      const socket = await stream;
      await new Promise<void>((resolve) => socket.end(resolve));
    } catch {
      // Never connected: nothing to close.
    }
  }

  async #sendUdp(messages: readonly string[]): Promise<void> {
    if (this.#udp === undefined) {
      this.#udp = createSocket(this.#options.host.includes(":") ? "udp6" : "udp4");
      this.#udp.unref();
    }
    const socket = this.#udp;
    for (const message of messages) {
      await new Promise<void>((resolve, reject) =>
        socket.send(message, this.#options.port, this.#options.host, (error) =>
          error ? reject(error) : resolve(),
        ),
      );
    }
  }

  async #sendStream(messages: readonly string[]): Promise<void> {
    this.#stream ??= this.#connect();
    const socket = await this.#stream;
    const framed = messages.map((message) => `${Buffer.byteLength(message)} ${message}`).join("");
    await new Promise<void>((resolve, reject) =>
      socket.write(framed, (error) => (error ? reject(error) : resolve())),
    );
  }

  #connect(): Promise<Socket> {
    const { host, port, protocol } = this.#options;
    return new Promise<Socket>((resolve, reject) => {
      const socket =
        protocol === "tls"
          ? tlsConnect({
              host,
              port,
              servername: this.#options.serverName ?? host,
              ...(this.#options.caFile === undefined
                ? {}
                : { ca: readFileSync(this.#options.caFile) }),
            })
          : createConnection({ host, port });
      const ready = protocol === "tls" ? "secureConnect" : "connect";
      socket.once(ready, () => {
        socket.off("error", reject);
        socket.on("error", (error) => {
          this.#stream = undefined;
          this.#onError?.(error);
        });
        socket.unref();
        resolve(socket);
      });
      socket.once("error", reject);
    });
  }
}
