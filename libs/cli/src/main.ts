#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { connect } from '@nats-io/transport-node';
import {
  createRpcClient,
  jetstream,
  jetstreamManager,
  type NatsConnection,
  type RpcClient,
} from '@idp/events';
import type { CliContext } from './context.js';
import { CliError, EXIT } from './errors.js';
import { runCli } from './program.js';

// The only place that reads the environment.
const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const timeoutMs = Number(process.env.NATS_REQUEST_TIMEOUT_MS) || 10_000;

let nc: NatsConnection | undefined;
let client: RpcClient | undefined;

// Connected on the first request only, so `--help` and usage errors need no server.
async function natsConnection(): Promise<NatsConnection> {
  if (nc) return nc;
  try {
    nc = await connect({
      servers: natsUrl.split(',').map((s) => s.trim()),
      name: 'idp-cli',
      timeout: 5000,
      maxReconnectAttempts: 0,
    });
  } catch (err) {
    throw new CliError(
      `cannot connect to NATS at ${natsUrl}: ${err instanceof Error ? err.message : String(err)}`,
      EXIT.unavailable,
    );
  }
  return nc;
}

async function rpc(): Promise<RpcClient> {
  client ??= createRpcClient(await natsConnection(), { defaultTimeoutMs: timeoutMs });
  return client;
}

const correlationId = randomUUID();
const ctx: CliContext = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readStdin: () => text(process.stdin),
  call: async (contract, request) => (await rpc()).call(contract, request, { correlationId, timeoutMs }),
  jetstream: async () => {
    const c = await natsConnection();
    return { js: jetstream(c), jsm: await jetstreamManager(c) };
  },
  natsUrl,
  correlationId,
  nats: natsConnection,
  isTTY: process.stdout.isTTY === true,
  onInterrupt: (stop) => {
    // Once only: a second Ctrl-C finds no handler and ends the process the usual way.
    const handler = () => {
      process.off('SIGINT', handler);
      stop();
    };
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
};

// `idp audit replay | head`: the reader leaving is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const status = await runCli(process.argv.slice(2), ctx);
await nc?.close();
process.exitCode = status;
