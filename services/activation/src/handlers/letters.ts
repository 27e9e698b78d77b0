import {
  ActivationLetterMarkedV1,
  DomainError,
  activationRpc,
  rpcHandler,
  type LetterView,
  type RpcHandler,
} from '@idp/events';
import type { z } from '@idp/config';
import { markLetter as mark } from '../domain/letter.js';
import type { Letter } from '../ports.js';
import { requestContext, type Deps } from './deps.js';

const letterView = (l: Letter): z.infer<typeof LetterView> => ({
  letterId: l.id,
  requestNumber: l.requestNumber,
  state: l.state,
  createdAt: l.createdAt.toISOString(),
  ...(l.printedAt ? { printedAt: l.printedAt.toISOString() } : {}),
  ...(l.postedAt ? { postedAt: l.postedAt.toISOString() } : {}),
  pdfPath: l.pdfPath,
});

/** Serves `idp.rpc.activation.list_letters.v1`: the print queue, oldest first. */
export const listLetters = (d: Deps): RpcHandler<typeof activationRpc.listLetters> =>
  rpcHandler(activationRpc.listLetters, async (req) => ({
    letters: (await d.store.listLetters(req.state)).map(letterView),
  }));

/** Serves `idp.rpc.activation.mark_letter.v1`: an operator marks a letter printed or posted. */
export const markLetter = (d: Deps): RpcHandler<typeof activationRpc.markLetter> =>
  rpcHandler(activationRpc.markLetter, async (req, ctx) => {
    const marked = await d.store.transaction(async (tx) => {
      const letter = await tx.lockLetter(req.letterId);
      if (!letter)
        throw new DomainError('not_found', 'activation.letter_not_found', { message: 'no such letter' });
      const after = mark(letter, req.state, req.by, d.clock.now());
      await tx.saveLetter(after);
      await tx.enqueue([
        d.event(
          ActivationLetterMarkedV1,
          {
            aggregate: { type: 'activation_request', id: letter.requestId },
            actor: { kind: 'admin', id: req.by },
            data: { letterId: letter.id, requestId: letter.requestId, state: req.state, by: req.by },
          },
          requestContext(letter.requestId, ctx.correlationId),
        ),
      ]);
      return after;
    });
    return letterView(marked);
  });
