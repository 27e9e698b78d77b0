/**
 * The SMS: names the e-service (so a citizen who did not start a login can tell) and ends with the
 * origin-bound line `@host #code` (WebOTP / "origin-bound one-time codes"), which lets the browser
 * autofill the code only on our own origin — a phishing page on another host gets no autofill.
 */
export function smsText(o: {
  code: string;
  serviceName: string;
  purpose: 'login' | 'bind_phone';
  host: string;
}): string {
  const service = cleanServiceName(o.serviceName);
  const first =
    o.purpose === 'login'
      ? `${service}: koda za prijavo ${o.code} / login code ${o.code}`
      : `${service}: koda za potrditev telefona ${o.code} / phone confirmation code ${o.code}`;
  return `${first}\n\n@${o.host} #${o.code}`;
}

/**
 * The name comes from the SP registry; still, a line break or an `@`/`#` in it must not let it
 * imitate the origin-bound line, and a long name must not push the SMS into extra parts.
 */
export function cleanServiceName(name: string): string {
  const flat = name
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/[@#]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const short = flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
  return short || 'SI-PASS';
}
