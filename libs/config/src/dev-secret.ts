import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Development only: a secret generated on first run and kept in a JSON file (mode 0600, under var/,
 * which git ignores), so every replica and every service of the local mesh that needs it, and every
 * restart, share one value. Production configuration must name the secret instead.
 */
export async function developmentSecret(
  file: string,
  name: string,
): Promise<{ value: string; created: boolean }> {
  const fresh = randomBytes(32).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  try {
    // 'wx': only the first of several processes starting at once writes; the others read its value.
    await writeFile(file, `${JSON.stringify({ [name]: fresh })}\n`, { flag: 'wx', mode: 0o600 });
    return { value: fresh, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  for (let i = 0; i < 20; i++) {
    const text = await readFile(file, 'utf8');
    const stored = text ? (JSON.parse(text) as Record<string, unknown>)[name] : undefined;
    if (typeof stored === 'string' && stored.length >= 32) return { value: stored, created: false };
    // Another process created the file and is still writing it.
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${file} holds no usable ${name}; delete it to generate a new one`);
}

/**
 * The configured secret, or (config validation allows its absence only with IDP_ENV=development)
 * the development one from `file`, with a warning naming the setting production needs.
 */
export async function configuredOrDevelopmentSecret(
  configured: string | undefined,
  o: {
    file: string;
    name: string;
    /** Said after "<name> is not set: using a DEVELOPMENT key": who else shares it. */
    note?: string;
    warn: (fields: Record<string, unknown>, msg: string) => void;
  },
): Promise<string> {
  if (configured) return configured;
  const dev = await developmentSecret(o.file, o.name);
  o.warn(
    { file: o.file, created: dev.created },
    `${o.name} is not set: using a DEVELOPMENT key${o.note ? ` ${o.note}` : ''}; production requires ${o.name}`,
  );
  return dev.value;
}

/**
 * A secret a deployment may leave out (a service then takes a slower path): in development it is
 * generated and shared through `file` like `configuredOrDevelopmentSecret`; elsewhere unset stays unset.
 */
export function optionalSecret(
  idpEnv: string,
  configured: string | undefined,
  o: Parameters<typeof configuredOrDevelopmentSecret>[1],
): Promise<string | undefined> {
  return idpEnv === 'development'
    ? configuredOrDevelopmentSecret(configured, o)
    : Promise.resolve(configured);
}
