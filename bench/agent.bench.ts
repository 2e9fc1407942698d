/*
 * The agent's costs, each beside what the same read costs without it, in the same run:
 * - one credential read over the socket vs opening the vault with the default KDF and reading
 *   (what a process without the agent pays per start);
 * - `vigil vault get` as a whole CLI process through the agent vs with --no-agent;
 * - reads per second with 16 requests in flight.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { join } from "node:path";
import { startAgent } from "../src/agent/agent-runtime.js";
import { parseConfig } from "../src/config/index.js";
import { DEFAULT_ARGON2ID } from "../src/crypto/index.js";
import { EncryptedVault } from "../src/vault/index.js";
import {
  type BenchContext,
  type BenchSection,
  compareDurations,
  formatMicros,
  percentile,
  sampleMicros,
} from "./bench-kit.js";

const PASSWORD = "orbit-lantern-quietly-47-marble";
const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");

function getOverSocket(socketPath: string, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, method: "GET", path: `/v1/credentials/${encodeURIComponent(name)}` },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/**
 * The transport floor: a bare HTTP server on a Unix socket answering every request with a body
 * the size of the agent's answer, with no routing, session or vault behind it.
 */
async function startBareServer(socketPath: string, body: string): Promise<() => Promise<void>> {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Reads per second with `inFlight` requests outstanding, `total` requests in all. */
async function throughput(read: () => Promise<unknown>, inFlight: number, total: number) {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        next += 1;
        await read();
      }
    }),
  );
  return total / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Runs the CLI asynchronously (the agent answers from this process's event loop). */
function runCli(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code ?? -1));
  });
}

export default async function agentBench(context: BenchContext): Promise<BenchSection> {
  const home = join(context.dir, "home");
  const config = parseConfig({ vault: { kdf: DEFAULT_ARGON2ID } });
  const seed = new EncryptedVault({ home, config, masterPassword: PASSWORD, env: {} });
  await seed.setCredential("api_key", "sk-bench-value");
  seed.close();
  const agent = await startAgent({ home, config, masterPassword: PASSWORD });

  try {
    const reads = context.quick ? 200 : 2_000;
    await sampleMicros(50, () => getOverSocket(agent.socketPath, "api_key"));
    const viaAgent = await sampleMicros(reads, () => getOverSocket(agent.socketPath, "api_key"));
    const opens = context.quick ? 2 : 5;
    const viaVault = await sampleMicros(opens, async () => {
      const vault = new EncryptedVault({ home, config, masterPassword: PASSWORD, env: {} });
      await vault.getCredential("api_key");
      vault.close();
    });
    context.log(`socket read p50 ${formatMicros(percentile(viaAgent, 50))}`);

    const inFlight = 16;
    const total = context.quick ? 800 : 8_000;
    const perSecond = await throughput(
      () => getOverSocket(agent.socketPath, "api_key"),
      inFlight,
      total,
    );

    const bareSocket = join(context.dir, "bare.sock");
    const stopBare = await startBareServer(
      bareSocket,
      await getOverSocket(agent.socketPath, "api_key"),
    );
    let bare: number[];
    let barePerSecond: number;
    try {
      await sampleMicros(50, () => getOverSocket(bareSocket, "api_key"));
      bare = await sampleMicros(reads, () => getOverSocket(bareSocket, "api_key"));
      barePerSecond = await throughput(() => getOverSocket(bareSocket, "api_key"), inFlight, total);
    } finally {
      await stopBare();
    }

    const runs = context.quick ? 2 : 6;
    const cliEnv = { VIGIL_HOME: home, VIGIL_CONFIG: join(context.dir, "vigil.config.json") };
    writeFileSync(cliEnv.VIGIL_CONFIG, JSON.stringify({ vault: { kdf: DEFAULT_ARGON2ID } }));
    const cliAgent = await sampleMicros(runs, () => runCli(["vault", "get", "api_key"], cliEnv));
    const cliLocal = await sampleMicros(runs, () =>
      runCli(["--no-agent", "vault", "get", "api_key"], {
        ...cliEnv,
        VAULT_MASTER_PASSWORD: PASSWORD,
      }),
    );

    const socketP50 = percentile(viaAgent, 50);
    const vaultP50 = percentile(viaVault, 50);
    const cliAgentP50 = percentile(cliAgent, 50);
    const cliLocalP50 = percentile(cliLocal, 50);
    return {
      title: "Agent",
      rows: [
        {
          metric: "credential read over the socket, p50",
          vigil: formatMicros(socketP50),
          peer: `${formatMicros(vaultP50)} (open vault, default KDF, then read)`,
          ratio: compareDurations(socketP50, vaultP50),
        },
        {
          metric: "credential read over the socket, p99",
          vigil: formatMicros(percentile(viaAgent, 99)),
          peer: `${formatMicros(percentile(bare, 99))} (bare HTTP server on a Unix socket)`,
          ratio: compareDurations(percentile(viaAgent, 99), percentile(bare, 99)),
        },
        {
          metric: "credential read over the socket vs the transport floor, p50",
          vigil: formatMicros(socketP50),
          peer: `${formatMicros(percentile(bare, 50))} (bare HTTP server on a Unix socket)`,
          ratio: compareDurations(socketP50, percentile(bare, 50)),
          goal: "<= 2x the bare server",
          met: socketP50 <= 2 * percentile(bare, 50),
        },
        {
          metric: `reads per second, ${inFlight} in flight`,
          vigil: `${Math.round(perSecond).toLocaleString("en-US")}/s`,
          peer: `${Math.round(barePerSecond).toLocaleString("en-US")}/s (bare HTTP server)`,
          ratio: compareDurations(1 / perSecond, 1 / barePerSecond),
        },
        {
          metric: "`vigil vault get` process, p50",
          vigil: `${formatMicros(cliAgentP50)} (through the agent)`,
          peer: `${formatMicros(cliLocalP50)} (--no-agent, default KDF)`,
          ratio: compareDurations(cliAgentP50, cliLocalP50),
        },
      ],
      notes: [
        "The agent holds the unlocked vault, so a read is one HTTP round trip on the Unix socket; without it every process derives the key again (Argon2id, m=64 MiB, t=3, p=4).",
        "CLI figures include Node's start-up, the same on both sides; the agent was in the benchmark's own process.",
      ],
    };
  } finally {
    await agent.stop();
  }
}
