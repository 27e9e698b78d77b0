import type { NatsConnection } from '@nats-io/nats-core';
import { generateSync } from 'otplib';
import type { Page } from 'playwright-core';
import { createRpcClient, raRpc, type RpcResponse } from '@idp/events';

/** Creates an officer over NATS, as `pnpm idp officer create` does. */
export function createOfficer(
  nc: NatsConnection,
  officer: { email: string; password: string; displayName?: string },
  correlationId: string,
): Promise<RpcResponse<typeof raRpc.createOfficer>> {
  return createRpcClient(nc, { defaultTimeoutMs: 10_000 }).call(
    raRpc.createOfficer,
    { email: officer.email, displayName: officer.displayName ?? 'Mojca Zupan', password: officer.password },
    { correlationId },
  );
}

/** The TOTP code of `secret`, `offsetSeconds` from now (the console takes ±1 step, never one code twice). */
export const totp = (secret: string, offsetSeconds = 0): string =>
  generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });

/** The otpauth URI under the enrolment page's QR code (in "key for manual entry"), as an app reads it. */
export async function enrolmentUri(page: Page): Promise<URL> {
  const uri = new URL(((await page.locator('#otpauth-uri').textContent()) ?? '').trim());
  if (uri.protocol !== 'otpauth:' || !uri.searchParams.get('secret'))
    throw new Error(`not an otpauth URI with a secret: ${uri.href}`);
  return uri;
}

/**
 * An officer's first login to the console in the browser: e-mail and password, then the
 * authenticator app enrolled from the QR page (its otpauth URI) with a first code; it ends on the
 * search page. Returns the TOTP secret for later logins.
 */
export async function enrolOfficer(
  page: Page,
  consoleUrl: string,
  officer: { email: string; password: string },
): Promise<string> {
  await page.goto(`${consoleUrl}/`);
  await page.waitForURL(`${consoleUrl}/login`);
  await page.locator('#email').fill(officer.email);
  await page.locator('#password').fill(officer.password);
  await Promise.all([
    page.waitForURL(`${consoleUrl}/login/enrol`),
    page.locator('form[action="/login"] button[type="submit"]').click(),
  ]);
  const secret = (await enrolmentUri(page)).searchParams.get('secret')!;
  await page.locator('#code').fill(totp(secret));
  await Promise.all([
    page.waitForURL(`${consoleUrl}/`),
    page.locator('form[action="/login/enrol"] button[type="submit"]').click(),
  ]);
  return secret;
}
