import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import {
  ATTRIBUTE_KEYS,
  LOA_ORDER,
  LOGIN_METHODS,
  MetadataError,
  SpPolicy,
  loadRegistryDir,
  removeSp,
  saveSp,
  type AttributeKey,
  type LoginMethod,
  type Loa,
} from '@idp/saml';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';

/**
 * `idp sp …` edits the SP registry directory the gateways watch (SP_REGISTRY_DIR); they apply a
 * change within seconds, without a restart. The directory is the registry's only store, so the
 * CLI writes it directly, after the same validation the gateway applies when it reads it.
 */
const registryDir = () => process.env.SP_REGISTRY_DIR || 'var/sp-registry';
const parseOptions = () => ({ allowInsecureUrls: process.env.SP_ALLOW_INSECURE_URLS === 'true' });

async function readMetadata(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => {
      throw new CliError(
        `cannot fetch ${source}: ${err instanceof Error ? err.message : String(err)}`,
        EXIT.unavailable,
      );
    });
    if (!res.ok) throw new CliError(`fetching ${source} answered HTTP ${res.status}`, EXIT.unavailable);
    return res.text();
  }
  return readFile(source, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${source}: ${err.code ?? err.message}`, EXIT.usage);
  });
}

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function registerSpCommands(program: Command, ctx: CliContext): void {
  const sp = program
    .command('sp')
    .description(
      `Register e-services (SAML SPs) in the registry directory (SP_REGISTRY_DIR, default var/sp-registry).`,
    );

  sp.command('add')
    .description(
      'Validate an SP metadata file or URL and register it with its policy (replaces an existing registration of the same entityID).',
    )
    .argument('<metadata>', 'metadata XML file path, or an http(s) URL to fetch it from')
    .addOption(
      new Option(
        '--attributes <list>',
        `attributes released to it, comma-separated: ${ATTRIBUTE_KEYS.join(',')}`,
      ).default('given_name,family_name'),
    )
    .option('--sign-response', 'sign the whole Response as well as the Assertion', false)
    .addOption(
      new Option('--min-loa <level>', 'minimum level of assurance')
        .choices([...LOA_ORDER])
        .default('substantial'),
    )
    .addOption(
      new Option('--methods <list>', `login methods it accepts: ${LOGIN_METHODS.join(',')}`).default(
        'password_sms',
      ),
    )
    .option('--name-sl <name>', 'name shown to citizens in Slovenian')
    .option('--name-en <name>', 'name shown to citizens in English')
    .option(
      '--relay-state-max-bytes <n>',
      'longest RelayState accepted (80 to 1024; over 80 only for legacy SPs)',
      '80',
    )
    .action(
      async (
        source: string,
        o: {
          attributes: string;
          signResponse: boolean;
          minLoa: Loa;
          methods: string;
          nameSl?: string;
          nameEn?: string;
          relayStateMaxBytes: string;
        },
      ) => {
        const policy = SpPolicy.safeParse({
          attributes: list(o.attributes) as AttributeKey[],
          signResponse: o.signResponse,
          minLoa: o.minLoa,
          allowedMethods: list(o.methods) as LoginMethod[],
          relayStateMaxBytes: Number(o.relayStateMaxBytes),
          displayName: { ...(o.nameSl ? { sl: o.nameSl } : {}), ...(o.nameEn ? { en: o.nameEn } : {}) },
        });
        if (!policy.success) {
          throw new CliError(
            `invalid policy: ${policy.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
            EXIT.usage,
          );
        }
        try {
          const saved = await saveSp(registryDir(), await readMetadata(source), policy.data, parseOptions());
          ctx.out(saved.entityId);
          ctx.err(
            `registered ${saved.entityId} in ${registryDir()} (${saved.name}.*); gateways pick it up within seconds`,
          );
        } catch (err) {
          if (err instanceof MetadataError) throw new CliError(`${source}: ${err.message}`, EXIT.refused);
          throw err;
        }
      },
    );

  sp.command('list')
    .description('List registered SPs, and any registry file the gateways refuse.')
    .action(async () => {
      const { sps, problems } = await loadRegistryDir(registryDir(), parseOptions());
      for (const s of sps) {
        ctx.out(
          `${s.entityId}\tmin ${s.policy.minLoa}\t${s.policy.allowedMethods.join(',')}\t${s.policy.attributes.join(',')}${s.policy.signResponse ? '\tsigned response' : ''}`,
        );
      }
      for (const p of problems) ctx.err(`refused ${p.file}: ${p.message}`);
      if (sps.length === 0 && problems.length === 0) ctx.err(`no SPs registered in ${registryDir()}`);
    });

  sp.command('remove')
    .description('Remove an SP: the gateways stop accepting its requests within seconds.')
    .argument('<entityID>')
    .action(async (entityId: string) => {
      if (!(await removeSp(registryDir(), entityId, parseOptions())))
        throw new CliError(`no SP with entityID ${entityId} in ${registryDir()}`, EXIT.refused);
      ctx.err(`removed ${entityId}`);
    });
}
