import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatRfc5424, SD_ID } from "../../src/audit/index.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { makeLogger } from "./trail-fixtures.js";

const RSYSLOGD = "/usr/sbin/rsyslogd";
/** rsyslog's GnuTLS stream driver (Debian package rsyslog-gnutls). */
const HAS_GTLS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"].some(
  (dir) => existsSync(join(dir, "rsyslog", "lmnsd_gtls.so")),
);
const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill("SIGTERM");
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** A CA and a server certificate for 127.0.0.1 / localhost, made with openssl. */
function makeCertificates(dir: string): void {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-subj",
    "/CN=vigil-test-ca",
    "-days",
    "1",
  );
  run(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  );
  writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "1",
    "-extfile",
    "san.ext",
  );
}

/** Starts rsyslogd in the foreground with UDP, TCP and TLS (gtls) inputs writing to out.log. */
async function startRsyslog(dir: string) {
  const [udp, tcp, tls] = [await freePort(), await freePort(), await freePort()];
  mkdirSync(join(dir, "work"));
  makeCertificates(dir);
  const config = `
global(workDirectory="${dir}/work"
       defaultNetstreamDriverCAFile="${dir}/ca.pem"
       defaultNetstreamDriverCertFile="${dir}/server.pem"
       defaultNetstreamDriverKeyFile="${dir}/server.key")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="127.0.0.1" port="${udp}")
input(type="imtcp" address="127.0.0.1" port="${tcp}")
${HAS_GTLS ? `input(type="imtcp" address="127.0.0.1" port="${tls}" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")` : ""}
template(name="fields" type="string" string="%inputname%|%syslogfacility%|%syslogseverity%|%app-name%|%msgid%|%structured-data%|%msg%\\n")
action(type="omfile" file="${dir}/out.log" template="fields")
`;
  writeFileSync(join(dir, "rsyslog.conf"), config);
  const child = spawn(
    RSYSLOGD,
    ["-n", "-f", join(dir, "rsyslog.conf"), "-i", join(dir, "rsyslog.pid")],
    {
      stdio: "ignore",
    },
  );
  running.push(child);
  // Wait until all three listen: a TCP connect succeeds on both stream ports.
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await canConnect(tcp)) && (!HAS_GTLS || (await canConnect(tls)))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { udp, tcp, tls, out: join(dir, "out.log") };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function readUntil(path: string, predicate: (lines: string[]) => boolean): Promise<string[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const lines = existsSync(path) ? readFileSync(path, "utf8").trim().split("\n") : [];
    if (predicate(lines)) return lines;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`rsyslog did not write the expected lines to ${path}`);
}

describe.skipIf(!existsSync(RSYSLOGD))("syslog forwarding to a real rsyslog", () => {
  // Without the gtls driver the TLS case cannot run against rsyslog; the install script adds it.
  it.each(HAS_GTLS ? (["udp", "tcp", "tls"] as const) : (["udp", "tcp"] as const))(
    "delivers RFC 5424 messages with structured data over %s",
    async (protocol) => {
      const dir = makeTempDir("vigil-rsyslog-");
      const server = await startRsyslog(dir);
      const port = server[protocol];
      const { logger } = makeLogger({
        syslog: {
          host: "127.0.0.1",
          port,
          protocol,
          appName: "vigil-test",
          facility: 13,
          caFile: join(dir, "ca.pem"),
          serverName: "localhost",
        },
      });
      await logger.logLogin("alice", { success: false, ip: "198.51.100.7" });
      await logger.log({
        eventType: "policy_violation",
        severity: "critical",
        description: 'quote " and ] bracket',
        details: { n: 1 },
      });
      await logger.flush();
      await logger.close();

      const lines = await readUntil(server.out, (lines) => lines.length >= 2);
      const [login, violation] = lines.map((line) => line.split("|"));
      expect(login?.slice(1, 5)).toEqual(["13", "3", "vigil-test", "login"]);
      expect(login?.[5]).toContain(
        `[${SD_ID} event_type="login" severity="high" user="alice" seq="2"`,
      );
      const loginJson = JSON.parse(login?.slice(6).join("|").trim() ?? "");
      expect(loginJson).toMatchObject({
        event_type: "login",
        username: "alice",
        details: { ip: "198.51.100.7" },
      });
      expect(violation?.slice(1, 5)).toEqual(["13", "2", "vigil-test", "policy_violation"]);
      expect(violation?.[0]).toBe(protocol === "udp" ? "imudp" : "imtcp");
    },
  );

  it("escapes SD-PARAM values and maps medium to notice (13 * 8 + 5)", () => {
    const message = formatRfc5424(
      {
        timestamp: "2026-03-01T10:00:00.000Z",
        event_type: "login",
        severity: "medium",
        username: 'a"b\\c]d',
        description: "x",
        details: {},
        seq: 1,
        writer: "w",
        prev: "0",
        hash: "h",
        mac: null,
      },
      { host: "h", port: 1, protocol: "udp", hostname: "bot host" },
    );
    expect(message).toMatch(
      /^<109>1 2026-03-01T10:00:00.000Z bothost vigil \d+ login \[vigil@32473 /,
    );
    expect(message).toContain('user="a\\"b\\\\c\\]d"');
  });
});
