import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake answers to the next Publish; once the plan is used up, it accepts. */
export type SnsAnswer = 'ok' | { status: number; code: string; type?: 'Sender' | 'Receiver' };

export interface SnsPublish {
  phoneNumber: string | undefined;
  message: string | undefined;
  /** `MessageAttributes.entry.N.Name` → `…Value.StringValue`. */
  attributes: Record<string, string>;
  form: URLSearchParams;
  authorization: string | undefined;
}

export interface FakeSns {
  url: string;
  /** Every Publish request received, in order (including refused ones). */
  requests: SnsPublish[];
  /** Answers for the coming requests, first in first out. */
  plan(...answers: SnsAnswer[]): void;
  close(): Promise<void>;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/**
 * A local HTTP server speaking the SNS Query protocol (form-encoded `Action=Publish&…`, XML replies),
 * so tests run the real `@aws-sdk/client-sns` request path — signing, serialisation, error parsing —
 * against an endpoint override, without reaching AWS.
 */
export async function startFakeSns(): Promise<FakeSns> {
  const requests: SnsPublish[] = [];
  const planned: SnsAnswer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const requestId = randomUUID();
      if (req.method !== 'POST' || form.get('Action') !== 'Publish') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(errorXml('Sender', 'InvalidAction', `unsupported action ${form.get('Action')}`, requestId));
        return;
      }
      const attributes: Record<string, string> = {};
      for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
        attributes[form.get(`MessageAttributes.entry.${n}.Name`)!] =
          form.get(`MessageAttributes.entry.${n}.Value.StringValue`) ?? '';
      }
      requests.push({
        phoneNumber: form.get('PhoneNumber') ?? undefined,
        message: form.get('Message') ?? undefined,
        attributes,
        form,
        authorization: req.headers.authorization,
      });
      const answer = planned.shift() ?? 'ok';
      if (answer === 'ok') {
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(
          `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>` +
            `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
        );
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(
        errorXml(
          answer.type ?? (answer.status >= 500 ? 'Receiver' : 'Sender'),
          answer.code,
          answer.code,
          requestId,
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    plan: (...answers) => planned.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const errorXml = (type: string, code: string, message: string, requestId: string) =>
  `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code>` +
  `<Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
